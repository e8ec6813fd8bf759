// Package cloud is the HTTP client of the Mendix Deploy API v1 and Backups API v2, plus
// Restore Desk's upload extension (tus 1.0). It owns the wire: models with the API's exact
// JSON names, typed errors, retries, pagination, Free App detection, the account loader
// and the resumable upload. See docs/cloud-api.md for the contract.
//
// JSON calls go through go-resty; the upload streams over the underlying *http.Client
// because resty buffers request bodies in memory.
//
// Secrets: the API key is sent only in the Mendix-ApiKey header, only to the base URL's
// origin, and never appears in logs, errors or formatted values of Client or Credentials.
package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"
)

// DefaultBaseURL is the real Mendix Cloud.
const DefaultBaseURL = "https://deploy.mendix.com"

// Defaults of the options.
const (
	DefaultRetries         = 4
	DefaultBackoffBase     = 250 * time.Millisecond
	DefaultBackoffMax      = 8 * time.Second
	DefaultMaxRetryAfter   = 30 * time.Second
	DefaultRequestTimeout  = 60 * time.Second
	DefaultUploadChunkSize = 64 << 20
)

// maxResponseBody bounds what a JSON answer may hold; a snapshot page of 100 items is ~40 KB.
const maxResponseBody = 32 << 20

const userAgent = "RestoreDesk"

// Credentials authenticate every call (headers Mendix-Username and Mendix-ApiKey).
// Formatting a Credentials value (%v, %+v, %#v, %s) or logging it with slog masks the key;
// json.Marshal leaves the key out.
type Credentials struct {
	Username string
	APIKey   string `json:"-"`
}

const masked = "[redacted]"

func (c Credentials) maskedKey() string {
	if c.APIKey == "" {
		return ""
	}
	return masked
}

// String implements fmt.Stringer without the key.
func (c Credentials) String() string {
	return fmt.Sprintf("{Username:%s APIKey:%s}", c.Username, c.maskedKey())
}

// GoString implements fmt.GoStringer without the key.
func (c Credentials) GoString() string {
	return fmt.Sprintf("cloud.Credentials{Username:%q, APIKey:%q}", c.Username, c.maskedKey())
}

// Format implements fmt.Formatter so that no verb (%d, %x, ...) prints the key.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, c.GoString())
		return
	}
	_, _ = io.WriteString(f, c.String())
}

// LogValue implements slog.LogValuer without the key.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", c.Username), slog.String("api_key", c.maskedKey()))
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the underlying HTTP client (transport, TLS). The client is copied:
// its redirect policy is replaced by one that never follows a redirect to another origin
// (the credentials would go along), and its Timeout is ignored in favour of per-request
// contexts (a whole-request timeout would cut long uploads).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.userHC = hc
		}
	}
}

// WithLogger sets the logger (default slog.Default()). Each HTTP attempt is logged at debug
// level with method, path, status and duration only: no headers, no bodies, no query.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// WithRetries sets how many times a safe call is retried (default 4; 0 turns retries off).
// It also bounds how many times in a row an upload resumes without making progress.
func WithRetries(n int) Option {
	return func(c *Client) {
		if n >= 0 {
			c.retry.retries = n
		}
	}
}

// WithBackoff sets the exponential backoff: attempt k waits a random duration in
// [0, min(max, base·2^k)] ("full jitter"). Defaults: 250 ms, 8 s.
func WithBackoff(base, max time.Duration) Option {
	return func(c *Client) {
		if base > 0 {
			c.retry.base = base
		}
		if max > 0 {
			c.retry.max = max
		}
	}
}

// WithMaxRetryAfter sets the longest Retry-After the client waits for on a 429 or 503
// (default 30 s). A longer one is not waited for: the *APIError is returned at once with
// its RetryAfter field, so the user can be told when to try again.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *Client) {
		if d >= 0 {
			c.retry.maxRetryAfter = d
		}
	}
}

// WithRequestTimeout bounds each attempt of a JSON call and of the upload's POST/HEAD
// (default 60 s; 0 = no bound). An upload PATCH is not bounded as a whole (a 64 MiB chunk
// may take long on a slow line); it is abandoned, and the upload resumed, when no byte
// moved for this long.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d >= 0 {
			c.timeout = d
		}
	}
}

// WithUploadChunkSize sets how many bytes one upload PATCH carries (default 64 MiB). A
// dropped connection loses at most one chunk's worth of progress.
func WithUploadChunkSize(n int64) Option {
	return func(c *Client) {
		if n > 0 {
			c.chunkSize = n
		}
	}
}

// Client speaks the cloud API. Safe for concurrent use.
type Client struct {
	base      *url.URL
	baseStr   string
	creds     *Credentials // a pointer: reflection-based printing shows an address, not the key
	userHC    *http.Client
	hc        *http.Client // uploads; same transport as rc
	rc        *resty.Client
	log       *slog.Logger
	retry     retryPolicy
	timeout   time.Duration
	chunkSize int64
	// sleep waits between attempts; a test seam to observe the chosen delays.
	sleep func(ctx context.Context, d time.Duration) error
	kinds KindMemory // first-seen backup kinds (see KindOf)
}

// New returns a client for baseURL (scheme and host, e.g. https://deploy.mendix.com; a path
// prefix is kept). baseURL must be https unless the host is loopback (127.0.0.0/8, ::1,
// localhost): anything else would send the API key in clear text.
func New(baseURL string, creds Credentials, opts ...Option) (*Client, error) {
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if err := checkCredentials(creds); err != nil {
		return nil, err
	}
	c := &Client{
		base:    base,
		baseStr: base.String(),
		creds:   &creds,
		log:     slog.Default(),
		retry: retryPolicy{
			retries:       DefaultRetries,
			base:          DefaultBackoffBase,
			max:           DefaultBackoffMax,
			maxRetryAfter: DefaultMaxRetryAfter,
		},
		timeout:   DefaultRequestTimeout,
		chunkSize: DefaultUploadChunkSize,
		sleep:     Sleep,
		kinds:     newMemKinds(),
	}
	for _, o := range opts {
		o(c)
	}
	if c.retry.max < c.retry.base {
		c.retry.max = c.retry.base
	}

	var hc http.Client
	if c.userHC != nil {
		hc = *c.userHC
	} else {
		hc.Transport = defaultTransport()
	}
	hc.Timeout = 0
	hc.CheckRedirect = c.checkRedirect
	c.hc = &hc
	c.userHC = nil

	c.rc = resty.NewWithClient(c.hc).
		SetLogger(discardRestyLogger{}).
		SetDebug(false).
		SetDisableWarn(true).
		SetResponseBodyLimit(maxResponseBody)
	return c, nil
}

func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// The account loader runs several requests at once against one host: keep their
	// connections instead of the default two idle ones.
	t.MaxIdleConnsPerHost = 32
	return t
}

// APIURLError is an API URL that cannot be used. A user name or password in the URL is
// never shown (RedactURL): it may be a key, and errors end up on screen and in logs.
type APIURLError struct {
	URL     string // as given, without user information (empty when it held credentials)
	Problem string // e.g. "is empty", "needs a scheme and a host"
}

func (e *APIURLError) Error() string {
	if e.URL == "" {
		return "cloud: the API URL " + e.Problem
	}
	// Redacted here too: an APIURLError made elsewhere must not print a password either.
	return fmt.Sprintf("cloud: the API URL %q %s", RedactURL(e.URL), e.Problem)
}

// RedactURL is raw as it may be shown in a message: without the user name and password
// before an "@", even when raw does not parse as a URL ("user:pw@host", a bad escape).
// Anything up to the last "@" after the scheme goes: a password may hold "/" or "?".
func RedactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil && u.Opaque == "" {
		u.User = nil
		return u.String()
	}
	at := strings.LastIndex(raw, "@")
	if at < 0 {
		return raw
	}
	prefix := ""
	if i := strings.Index(raw, "://"); i >= 0 && i < at {
		prefix = raw[:i+3]
	}
	return prefix + raw[at+1:]
}

func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, &APIURLError{Problem: "is empty; use https://deploy.mendix.com or the address of a local cloud"}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &APIURLError{URL: RedactURL(raw), Problem: "is not a valid URL"}
	}
	if u.User != nil {
		return nil, &APIURLError{Problem: "must not contain a user name or password; credentials are sent as headers"}
	}
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, &APIURLError{URL: RedactURL(raw), Problem: "needs a scheme and a host, e.g. https://deploy.mendix.com"}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, &APIURLError{URL: RedactURL(raw), Problem: "must not have a query or fragment"}
	}
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		return nil, &APIURLError{URL: RedactURL(raw), Problem: "is refused: refusing plain http to " + u.Host + ", the API key would travel unencrypted; use https:// (plain http is allowed only to this computer: localhost, 127.0.0.1, ::1)"}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// CheckAPIURL reports whether raw can be used as an API URL (what New would refuse), so a
// profile with a bad URL is refused when it is saved, not when it is first used.
func CheckAPIURL(raw string) error {
	_, err := parseBaseURL(raw)
	return err
}

// IsLoopbackHost reports whether host never leaves this computer (plain http is allowed
// only there, for the API and for download links alike).
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkCredentials(c Credentials) error {
	switch {
	case strings.TrimSpace(c.Username) == "":
		return &CredentialsError{Summary: "The username is empty.",
			Next: "Give your Mendix login name (an e-mail address)."}
	case c.APIKey == "":
		return &CredentialsError{Summary: "The API key is empty.",
			Next: "Create one under API Keys in your Mendix Profile and give it here."}
	case !validHeaderValue(c.Username):
		return &CredentialsError{Summary: "The username holds a control character (a line break or a tab, often pasted along with it).",
			Next: "Type the username again: your Mendix login name (an e-mail address)."}
	case !validHeaderValue(c.APIKey):
		// Never echo the key, not even a part of it.
		return &CredentialsError{Summary: "The API key holds a space or a control character (a line break or a tab, often pasted along with it).",
			Next: "Copy the key again from API Keys in your Mendix Profile and paste only the key."}
	}
	return nil
}

func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == 0x7f {
			return false
		}
	}
	return true
}

// checkRedirect follows a redirect only within the base URL's origin: Go forwards custom
// headers such as Mendix-ApiKey to wherever a redirect points.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return http.ErrUseLastResponse
	}
	if !c.sameOrigin(req.URL) {
		return http.ErrUseLastResponse
	}
	return nil
}

// sameOrigin reports whether u has the base URL's scheme, host and port.
func (c *Client) sameOrigin(u *url.URL) bool { return sameOrigin(u, c.base) }

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		effectivePort(a) == effectivePort(b)
}

// SameCloud reports whether two API URLs name the same cloud: the same origin (scheme,
// host and port, default ports as none, case aside) and path (a trailing slash aside).
// URLs that do not parse are compared as text.
func SameCloud(a, b string) bool {
	ua, erra := url.Parse(strings.TrimSpace(a))
	ub, errb := url.Parse(strings.TrimSpace(b))
	if erra != nil || errb != nil {
		return strings.TrimRight(strings.TrimSpace(a), "/") == strings.TrimRight(strings.TrimSpace(b), "/")
	}
	return sameOrigin(ua, ub) && strings.TrimRight(ua.Path, "/") == strings.TrimRight(ub.Path, "/")
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// BaseURL returns the base URL the client talks to.
func (c *Client) BaseURL() string { return c.baseStr }

// Username returns the account's username (never the key).
func (c *Client) Username() string { return c.creds.Username }

// String describes the client without its key.
func (c Client) String() string {
	user := ""
	if c.creds != nil {
		user = c.creds.Username
	}
	return fmt.Sprintf("cloud.Client{BaseURL:%s Username:%s}", c.baseStr, user)
}

// GoString describes the client without its key.
func (c Client) GoString() string { return c.String() }

// Format implements fmt.Formatter: whatever the verb, only BaseURL and Username print.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// setAuth puts the credentials on a request.
func (c *Client) setAuth(h http.Header) {
	h.Set("Mendix-Username", c.creds.Username)
	h.Set("Mendix-ApiKey", c.creds.APIKey)
}

// redact removes the API key from text that came from elsewhere (a response body, a
// transport error), in case a misbehaving server or proxy echoed it.
func (c *Client) redact(s string) string {
	if c.creds.APIKey == "" || !strings.Contains(s, c.creds.APIKey) {
		return s
	}
	return strings.ReplaceAll(s, c.creds.APIKey, masked)
}

// seg escapes one path segment; IDs are refused when empty or a dot segment, which would
// change which resource the path names (an *IDError, before anything is sent).
func seg(what, v string) (string, error) {
	if strings.TrimSpace(v) == "" || v == "." || v == ".." {
		return "", &IDError{What: what, Value: v}
	}
	return url.PathEscape(v), nil
}

// apiPath joins already escaped segments under the base URL's path.
func (c *Client) apiPath(segs ...string) string {
	return c.base.EscapedPath() + "/" + strings.Join(segs, "/")
}

// absURL is the absolute URL of an escaped path.
func (c *Client) absURL(escPath string) string {
	u := *c.base
	u.Path, u.RawPath = "", ""
	return u.String() + escPath
}

// call is one JSON API call.
type call struct {
	op     string // what the caller asked for, e.g. "create restore"
	method string
	path   string     // escaped path under the base URL, without query
	query  url.Values // may be nil
	body   any        // marshalled to JSON; nil = no body
}

// do runs a JSON call with retries and decodes a 2xx answer into out (when non-nil).
// It returns the raw 2xx body for callers that look at it themselves.
func (c *Client) do(ctx context.Context, cl call, out any) ([]byte, error) {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("%s: encode request: %w", cl.op, err)
		}
	}
	target := c.absURL(cl.path)
	res, err := c.withRetries(ctx, cl.op, cl.method, cl.path, func(ctx context.Context) attemptResult {
		return c.restyAttempt(ctx, cl.method, target, cl.query, payload)
	})
	if err != nil {
		return nil, err
	}
	if out != nil {
		if len(bytes.TrimSpace(res.body)) == 0 {
			return res.body, fmt.Errorf("%s: the server sent an empty answer (HTTP %d)", cl.op, res.status)
		}
		if err := json.Unmarshal(res.body, out); err != nil {
			return res.body, fmt.Errorf("%s: the server's answer (HTTP %d, %d bytes) is not the expected JSON: %w", cl.op, res.status, len(res.body), err)
		}
	}
	return res.body, nil
}

// restyAttempt performs one HTTP exchange through resty and reports whether the request
// may have reached the server.
func (c *Client) restyAttempt(ctx context.Context, method, target string, query url.Values, payload []byte) attemptResult {
	ctx, reached, cancel := c.attemptContext(ctx)
	defer cancel()
	req := c.rc.R().SetContext(ctx).
		SetHeader("Accept", "application/json").
		SetHeader("Content-Type", "application/json").
		SetHeader("User-Agent", userAgent).
		SetHeader("Mendix-Username", c.creds.Username).
		SetHeader("Mendix-ApiKey", c.creds.APIKey)
	if len(query) > 0 {
		req.SetQueryParamsFromValues(query)
	}
	if payload != nil {
		req.SetBody(payload)
	}
	resp, err := req.Execute(method, target)
	r := attemptResult{err: err, reached: reached.Load()}
	if resp != nil && resp.RawResponse != nil {
		r.status = resp.StatusCode()
		r.header = resp.Header()
		r.body = resp.Body()
	}
	if err != nil && r.status != 0 {
		// The answer's head arrived but its body broke off: the server did act on it.
		r.reached = true
	}
	return r
}

// attemptContext bounds one attempt by the request timeout and records whether a
// connection was obtained: after that, the request may have reached the server.
func (c *Client) attemptContext(ctx context.Context) (context.Context, *atomic.Bool, context.CancelFunc) {
	reached := new(atomic.Bool)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { reached.Store(true) },
	})
	if c.timeout <= 0 {
		return ctx, reached, func() {}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	return ctx, reached, cancel
}

// discardRestyLogger keeps resty quiet: its warnings could mention request details.
type discardRestyLogger struct{}

func (discardRestyLogger) Errorf(string, ...any) {}
func (discardRestyLogger) Warnf(string, ...any)  {}
func (discardRestyLogger) Debugf(string, ...any) {}

// readBounded reads at most n bytes of an answer body and drains a little more so the
// connection can be reused.
func readBounded(r io.Reader, n int64) []byte {
	b, _ := io.ReadAll(io.LimitReader(r, n))
	_, _ = io.CopyN(io.Discard, r, 64<<10)
	return b
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }
