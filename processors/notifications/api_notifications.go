package notifications

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/httpedge"
	"github.com/novatrek/support/processors/notifications/provider/inapp"
)

// notificationView is a notification with its delivery log.
type notificationView struct {
	ID                uuid.UUID      `json:"id"`
	Kind              string         `json:"kind"`
	RecipientType     string         `json:"recipient_type"`
	RecipientID       *string        `json:"recipient_id,omitempty"`
	Channel           string         `json:"channel"`
	Category          string         `json:"category"`
	Priority          string         `json:"priority"`
	Status            string         `json:"status"`
	StatusReason      string         `json:"status_reason,omitempty"`
	TemplateName      string         `json:"template_name"`
	TemplateVersionID *int64         `json:"template_version_id,omitempty"`
	Locale            string         `json:"locale"`
	RequestID         *uuid.UUID     `json:"request_id,omitempty"`
	SourceTopic       string         `json:"source_topic"`
	CreatedAt         time.Time      `json:"created_at"`
	UpdatedAt         time.Time      `json:"updated_at"`
	DeliveryLog       []logEntryView `json:"delivery_log"`
}

type logEntryView struct {
	Attempt           int       `json:"attempt"`
	Provider          string    `json:"provider"`
	Status            string    `json:"status"`
	ProviderMessageID *string   `json:"provider_message_id,omitempty"`
	ErrorCode         *string   `json:"error_code,omitempty"`
	Error             *string   `json:"error,omitempty"`
	At                time.Time `json:"at"`
}

// handleGetNotification: GET /v1/notifications/{id}. Never returns the rendered body or
// the address: analytics needs the log, not the content.
func (a *app) handleGetNotification(w http.ResponseWriter, r *http.Request) error {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return fault.NotFound("No notification " + strconv.Quote(r.PathValue("id")) + ".")
	}
	ctx := r.Context()
	var v notificationView
	err = a.pool.QueryRow(ctx, `SELECT id, kind, recipient_type, recipient_id, channel, category, priority, status,
		status_reason, template_name, template_version_id, locale, request_id, source_topic, created_at, updated_at
		FROM notifications.notifications WHERE id = $1`, id).Scan(&v.ID, &v.Kind, &v.RecipientType, &v.RecipientID,
		&v.Channel, &v.Category, &v.Priority, &v.Status, &v.StatusReason, &v.TemplateName, &v.TemplateVersionID,
		&v.Locale, &v.RequestID, &v.SourceTopic, &v.CreatedAt, &v.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return fault.NotFound("No notification " + id.String() + ".")
	}
	if err != nil {
		return err
	}
	rows, err := a.pool.Query(ctx, `SELECT attempt, provider, status, provider_message_id, error_code, error, at
		FROM notifications.delivery_log WHERE notification_id = $1 ORDER BY id`, id)
	if err != nil {
		return err
	}
	v.DeliveryLog, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (logEntryView, error) {
		var e logEntryView
		err := row.Scan(&e.Attempt, &e.Provider, &e.Status, &e.ProviderMessageID, &e.ErrorCode, &e.Error, &e.At)
		return e, err
	})
	if err != nil {
		return err
	}
	if v.DeliveryLog == nil {
		v.DeliveryLog = []logEntryView{}
	}
	return httpedge.WriteJSON(w, http.StatusOK, v)
}

// handleInbox: GET /v1/recipients/{id}/inbox?limit=&after=&unread=true.
func (a *app) handleInbox(w http.ResponseWriter, r *http.Request) error {
	q := inapp.Query{After: r.URL.Query().Get("after")}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > inapp.MaxPageSize {
			return invalidField("limit must be an integer from 1 to "+strconv.Itoa(inapp.MaxPageSize)+".", "limit", "out of range")
		}
		q.Limit = n
	}
	if s := r.URL.Query().Get("unread"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return invalidField("unread must be true or false.", "unread", "not a boolean")
		}
		q.UnreadOnly = b
	}
	page, err := a.inbox.Inbox(r.Context(), r.PathValue("id"), q)
	if errors.Is(err, inapp.ErrBadCursor) {
		return invalidField("after is not a cursor of this inbox.", "after", "malformed cursor")
	}
	if err != nil {
		return err
	}
	if page.Items == nil {
		page.Items = []inapp.Item{}
	}
	return httpedge.WriteJSON(w, http.StatusOK, page)
}

// handleMarkRead: POST /v1/recipients/{id}/inbox/{msg}/read. Idempotent: marking again
// keeps the first read time.
func (a *app) handleMarkRead(w http.ResponseWriter, r *http.Request) error {
	ok, err := a.inbox.MarkRead(r.Context(), r.PathValue("id"), r.PathValue("msg"))
	if err != nil {
		return err
	}
	if !ok {
		return fault.NotFound("Recipient " + strconv.Quote(r.PathValue("id")) + " has no message " + strconv.Quote(r.PathValue("msg")) + ".")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
