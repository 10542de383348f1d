package sendgrid

// The v3 Mail Send request body (the subset we use).
type mailSend struct {
	Personalizations []personalization `json:"personalizations"`
	From             address           `json:"from"`
	ReplyTo          *address          `json:"reply_to,omitempty"`
	Subject          string            `json:"subject"`
	Content          []content         `json:"content"`
	CustomArgs       map[string]string `json:"custom_args,omitempty"`
	MailSettings     *mailSettings     `json:"mail_settings,omitempty"`
}

type personalization struct {
	To []address `json:"to"`
}

type address struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

type content struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type mailSettings struct {
	SandboxMode *enable `json:"sandbox_mode,omitempty"`
}

type enable struct {
	Enable bool `json:"enable"`
}

// errorBody is SendGrid's error answer.
type errorBody struct {
	Errors []struct {
		Message string  `json:"message"`
		Field   *string `json:"field"`
		Help    any     `json:"help"`
	} `json:"errors"`
}
