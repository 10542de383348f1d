package fcm

// sendRequest is the body of messages:send.
type sendRequest struct {
	ValidateOnly bool    `json:"validate_only,omitempty"`
	Message      message `json:"message"`
}

type message struct {
	Token        string            `json:"token"`
	Notification *notification     `json:"notification,omitempty"`
	Data         map[string]string `json:"data,omitempty"`
	Android      *androidConfig    `json:"android,omitempty"`
	APNS         *apnsConfig       `json:"apns,omitempty"`
}

type notification struct {
	Title string `json:"title,omitempty"`
	Body  string `json:"body,omitempty"`
}

type androidConfig struct {
	Priority string `json:"priority"` // NORMAL or HIGH
}

type apnsConfig struct {
	Headers map[string]string `json:"headers"`
}

// sendResponse is FCM's answer to an accepted message.
type sendResponse struct {
	Name string `json:"name"`
}

// errorResponse is Google's JSON error shape.
type errorResponse struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Details []struct {
			Type      string `json:"@type"`
			ErrorCode string `json:"errorCode"`
		} `json:"details"`
	} `json:"error"`
}

// fcmErrorType is the @type of FCM's own error detail.
const fcmErrorType = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
