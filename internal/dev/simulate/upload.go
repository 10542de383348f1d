package simulate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
)

// postFile posts the photo u names to the presigned form saved as u.Grant, as a browser
// form does: the signed fields first, the file last. The store (S3) checks the policy; a
// refusal is an error naming its status and the start of its answer.
func (h *HTTPSink) postFile(ctx context.Context, u *Upload) error {
	form, err := h.saved.form(u.Grant)
	if err != nil {
		return err
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range form.Fields {
		if err := w.WriteField(k, v); err != nil {
			return err
		}
	}
	fw, err := w.CreateFormFile("file", "photo.jpg")
	if err != nil {
		return err
	}
	if _, err := fw.Write(scenePhoto(u.Photo)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, form.URL, &body)
	if err != nil {
		return fmt.Errorf("upload to the presigned form: %w", err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("upload to the presigned form: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		text, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return &refusal{status: resp.StatusCode, text: fmt.Sprintf("upload to the presigned form: %s: %.300s", resp.Status, strings.TrimSpace(string(text)))}
	}
	return nil
}
