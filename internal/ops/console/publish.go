package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// publishData is the publish form and, after a send, where the event went.
type publishData struct {
	Topic    string
	KeyField string
	JSON     string
	// Sent names the partition and offset of the published event; empty before a send.
	Sent      string
	Partition int32
	Offset    int64
}

// errPublishOff is the answer of both publish routes when the console has no publisher.
var errPublishOff = errors.New("publishing test events is off: it is on in the dev stack, and in `novatrek console` with --allow-publish")

// publishForm shows a JSON skeleton of the topic's schema to edit and send.
func (c *Console) publishForm(w http.ResponseWriter, r *http.Request) {
	topic := r.PathValue("topic")
	if c.cfg.Publisher == nil {
		c.fail(w, r, http.StatusForbidden, errPublishOff.Error())
		return
	}
	t, err := c.cfg.Publisher.Topic(topic)
	if err != nil {
		c.fail(w, r, http.StatusNotFound, err.Error())
		return
	}
	s, err := c.cfg.Publisher.Schema(t)
	if err != nil {
		c.fail(w, r, http.StatusBadGateway, err.Error())
		return
	}
	body, _ := json.MarshalIndent(skeleton(s, time.Now()), "", "  ") // maps, slices and scalars marshal
	c.render(w, r, http.StatusOK, "publish", "Publish a test event to "+topic, publishData{Topic: topic, KeyField: t.Key, JSON: string(body)})
}

// publish sends the form's event, checked against the schema and stamped with metadata by
// the publish package (what `novatrek publish` does), for a signed-in operator.
func (c *Console) publish(w http.ResponseWriter, r *http.Request) {
	op, status, msg := c.sessions.authorize(r)
	if status != 0 {
		c.fail(w, r, status, msg)
		return
	}
	if c.cfg.Publisher == nil {
		c.fail(w, r, http.StatusForbidden, errPublishOff.Error())
		return
	}
	d := publishData{Topic: r.PathValue("topic"), KeyField: strings.TrimSpace(r.PostFormValue("key_field")), JSON: r.PostFormValue("event")}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	rec, err := c.cfg.Publisher.PrepareJSON(ctx, d.Topic, []byte(d.JSON), d.KeyField)
	if err != nil {
		c.renderPage(w, r, http.StatusBadRequest, "publish", "Publish a test event to "+d.Topic, "event: "+err.Error(), d)
		return
	}
	if err := c.cfg.Publisher.Send(ctx, rec)[0]; err != nil {
		c.renderPage(w, r, http.StatusBadGateway, "publish", "Publish a test event to "+d.Topic, err.Error(), d)
		return
	}
	c.cfg.Logger.InfoContext(ctx, "console: published a test event", "topic", d.Topic, "partition", rec.Partition, "offset", rec.Offset, "by", op.Name)
	d.Sent, d.Partition, d.Offset = fmt.Sprintf("%d:%d", rec.Partition, rec.Offset), rec.Partition, rec.Offset
	c.render(w, r, http.StatusOK, "publish", "Publish a test event to "+d.Topic, d)
}
