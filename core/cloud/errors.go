package cloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Sentinels for the error codes callers branch on. Test with errors.Is(err, cloud.ErrX):
// an *APIError matches the sentinel its status and code stand for.
var (
	ErrUnauthorized = errors.New("unauthorized")        // 401 / UNAUTHORIZED
	ErrNoAccess     = errors.New("no access")           // 403 NO_ACCESS (API rights or backups access missing)
	ErrNotFound     = errors.New("not found")           // 404 *_NOT_FOUND, 400 NOT_FOUND (restore source)
	ErrNotAllowed   = errors.New("not allowed")         // 400 ERROR_NOT_ALLOWED, 403 APP_IS_RUNNING / ENVIRONMENT_NOT_STOPPED
	ErrBusy         = errors.New("environment busy")    // 400 ENVIRONMENT_BUSY, 500 APP_ALREADY_HAS_A_STARTING_JOB
	ErrMaintenance  = errors.New("maintenance running") // 400 INVALID_STATE
	ErrRateLimited  = errors.New("rate limited")        // 429
	ErrUnavailable  = errors.New("service unavailable") // 503, 500 SERVICE_UNAVAILABLE

	// ErrAmbiguous marks a state-changing call whose outcome is unknown (the connection
	// broke after the request may have reached the server). Look at the state before
	// trying again: never repeat the call blindly.
	ErrAmbiguous = errors.New("outcome unknown")

	// ErrUploadsUnsupported: the server has no upload extension (the real Mendix Cloud):
	// archives are uploaded through the Mendix Portal.
	ErrUploadsUnsupported = errors.New("this server does not accept uploads")

	// ErrAlreadyStarted: StartEnvironment was answered 200 ALREADY_STARTED (or a start
	// job reported ALREADY_STARTED). The environment runs; there is no job to poll. Callers
	// treat it as success.
	ErrAlreadyStarted = errors.New("environment already started")
)

// ErrNoRoom: a restore job failed because the environment's database had no room for
// the backup. Wrap it (with the job's status message) where a job failure says so.
var ErrNoRoom = errors.New("not enough room in the environment's database")

// RestoreRoomRule is Mendix's rule for a restore (cloud-api.md §3, portal docs): the
// target database needs room for the decompressed database plus 2.25 GB of working space;
// otherwise the restore fails midway and leaves a partially restored database.
const RestoreRoomRule = "a restore needs room for the decompressed database plus 2.25 GB of working space in the environment's database"

// LacksRoom reports whether a failed job's status message says it ran out of space.
func LacksRoom(statusMessage string) bool {
	m := strings.ToLower(statusMessage)
	for _, w := range []string{"space", "disk full", "disk is full", "storage full", "quota", "no room"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

// maxErrorMessage bounds the raw-body fallback of APIError.Message.
const maxErrorMessage = 512

// APIError is every non-2xx answer of the cloud API.
type APIError struct {
	StatusCode int    // HTTP status
	Code       string // errorCode, e.g. NO_ACCESS; empty when the body had none
	Message    string // errorMessage, or the raw body text (trimmed, bounded) as fallback
	Method     string // request method
	Path       string // request path without host and query (never carries credentials)
	RetryAfter string // Retry-After header, if any
}

func (e *APIError) Error() string {
	code := e.Code
	if code == "" {
		code = fmt.Sprintf("HTTP %d", e.StatusCode)
	} else {
		code = fmt.Sprintf("HTTP %d %s", e.StatusCode, code)
	}
	if e.RetryAfter != "" {
		code += " (Retry-After: " + e.RetryAfter + ")"
	}
	if e.Message == "" {
		return fmt.Sprintf("%s %s: %s", e.Method, e.Path, code)
	}
	return fmt.Sprintf("%s %s: %s: %s", e.Method, e.Path, code, e.Message)
}

// Is maps the answer to the sentinel callers branch on:
//
//	ErrUnauthorized   401, UNAUTHORIZED
//	ErrNoAccess       NO_ACCESS, a 403 without code
//	ErrNotFound       404, 410, NOT_FOUND (400 on restores), any *_NOT_FOUND, NO_SUCH_STARTJOB
//	ErrNotAllowed     ERROR_NOT_ALLOWED, APP_IS_RUNNING, ENVIRONMENT_NOT_STOPPED
//	ErrBusy           ENVIRONMENT_BUSY, APP_ALREADY_HAS_A_STARTING_JOB
//	ErrMaintenance    INVALID_STATE
//	ErrRateLimited    429
//	ErrUnavailable    503, SERVICE_UNAVAILABLE
//	ErrAlreadyStarted ALREADY_STARTED
func (e *APIError) Is(target error) bool {
	code := strings.ToUpper(strings.TrimSpace(e.Code))
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || code == "UNAUTHORIZED"
	case ErrNoAccess:
		return code == "NO_ACCESS" || (e.StatusCode == http.StatusForbidden && code == "")
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone ||
			code == "NOT_FOUND" || strings.HasSuffix(code, "_NOT_FOUND") || code == "NO_SUCH_STARTJOB"
	case ErrNotAllowed:
		return code == "ERROR_NOT_ALLOWED" || code == "APP_IS_RUNNING" || code == "ENVIRONMENT_NOT_STOPPED"
	case ErrBusy:
		return code == "ENVIRONMENT_BUSY" || code == "APP_ALREADY_HAS_A_STARTING_JOB"
	case ErrMaintenance:
		return code == "INVALID_STATE"
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.StatusCode == http.StatusServiceUnavailable || code == "SERVICE_UNAVAILABLE"
	case ErrAlreadyStarted:
		return code == "ALREADY_STARTED"
	}
	return false
}

// stillRunningMessage is the Backups API's rejection of a restore into a running
// environment ("loft" looks like an internal name; cloud-api.md marks the meaning inferred).
const stillRunningMessage = "please stop loft"

// IsStillRunning reports whether err is the refusal to restore into (or otherwise change)
// an environment that still runs: 400 ERROR_NOT_ALLOWED "Please stop loft before restarting
// a backup.", or 403 APP_IS_RUNNING / ENVIRONMENT_NOT_STOPPED. The fix is to stop the
// environment, wait until it is Stopped, and try again.
func IsStillRunning(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch strings.ToUpper(ae.Code) {
	case "APP_IS_RUNNING", "ENVIRONMENT_NOT_STOPPED":
		return true
	case "ERROR_NOT_ALLOWED":
		return strings.Contains(strings.ToLower(ae.Message), stillRunningMessage)
	}
	return false
}

// IsNotOnMendixCloud reports whether err is 400 NOT_SUPPORTED, Mendix's answer for an
// endpoint that serves only apps hosted on Mendix Cloud. For a licensed app it means the
// app runs elsewhere (Mendix on Kubernetes, private cloud); a Free App gets it too, though
// Free Apps are hosted on Mendix Cloud (docs/cloud-api.md, "NOT_SUPPORTED").
func IsNotOnMendixCloud(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == http.StatusBadRequest &&
		strings.EqualFold(strings.TrimSpace(ae.Code), "NOT_SUPPORTED")
}

// AmbiguousError wraps the transport failure of a state-changing call whose outcome is
// unknown. errors.Is(err, ErrAmbiguous) is true.
type AmbiguousError struct {
	Op  string // e.g. "create restore"
	Err error
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s: outcome unknown, check the state before trying again: %v", e.Op, e.Err)
}

func (e *AmbiguousError) Unwrap() []error { return []error{ErrAmbiguous, e.Err} }

// newAPIError builds the error of a non-2xx answer. The body is parsed as
// {"errorCode","errorMessage"} (or Deploy v4's {"error":{"code","message"}}); failing that,
// its text, trimmed and bounded, becomes the message. Headers never enter it except
// Retry-After; the API key is removed from whatever the server sent back.
func (c *Client) newAPIError(method, path string, status int, header http.Header, body []byte) *APIError {
	e := &APIError{StatusCode: status, Method: method, Path: path}
	if header != nil {
		e.RetryAfter = strings.TrimSpace(header.Get("Retry-After"))
	}
	e.Code, e.Message = parseErrorBody(body)
	e.Code = boundText(c.redact(e.Code), 64)
	e.Message = boundText(c.redact(e.Message), maxErrorMessage)
	return e
}

func parseErrorBody(body []byte) (code, message string) {
	var v1 struct {
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
		Error        *struct {
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v1) == nil {
		if v1.ErrorCode != "" || v1.ErrorMessage != "" {
			return v1.ErrorCode, v1.ErrorMessage
		}
		if v1.Error != nil && (v1.Error.Message != "" || len(v1.Error.Code) > 0) {
			return strings.Trim(string(v1.Error.Code), `"`), v1.Error.Message
		}
	}
	return "", string(body)
}

// boundText collapses whitespace and control characters and cuts s to at most n bytes on
// a character boundary.
func boundText(s string, n int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r < 0x20 || r == 0x7f || r == utf8.RuneError
	}), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// ErrInvalidID: an identifier that cannot name anything (empty, "." or ".."), refused
// before any request is sent.
var ErrInvalidID = errors.New("not a valid identifier")

// ErrBadCredentials: a username or API key that cannot be sent at all (empty, or holding
// a space or control character); nothing was sent.
var ErrBadCredentials = errors.New("cloud: the credentials cannot be used")

// CredentialsError says in plain words what is wrong with the credentials given and what
// to do; it never holds the key.
type CredentialsError struct{ Summary, Next string }

func (e *CredentialsError) Error() string { return "cloud: " + e.Summary }

// Is makes errors.Is(err, ErrBadCredentials) hold.
func (e *CredentialsError) Is(target error) bool { return target == ErrBadCredentials }

// PlainSummary and PlainNextStep give the words to front ends (core/explain).
func (e *CredentialsError) PlainSummary() string  { return e.Summary }
func (e *CredentialsError) PlainNextStep() string { return e.Next }

// IDError is an identifier refused before any request (ErrInvalidID). It says in plain
// words what is wrong and what to do, without a front end's name for the list to copy
// from.
type IDError struct {
	What  string // "snapshot id", "environment id", ...
	Value string
}

func (e *IDError) Error() string {
	if strings.TrimSpace(e.Value) == "" {
		return e.What + " is empty"
	}
	return fmt.Sprintf("%s %q is not a valid identifier", e.What, e.Value)
}

// Is makes errors.Is(err, ErrInvalidID) hold.
func (e *IDError) Is(target error) bool { return target == ErrInvalidID }

// PlainSummary says what is wrong and what to do.
func (e *IDError) PlainSummary() string {
	what := e.What
	if strings.HasSuffix(what, "snapshot id") {
		what = "backup id"
	}
	if strings.TrimSpace(e.Value) == "" {
		return fmt.Sprintf("No %s was given: copy the id from the list and try again.", what)
	}
	return fmt.Sprintf("%q cannot be a %s (an id is never empty, \".\" or \"..\"): copy the id from the list and try again.", e.Value, what)
}

// PlainNextStep is empty: the summary says what to do.
func (e *IDError) PlainNextStep() string { return "" }

// AdvisesInSummary tells explain that the summary already says what to do.
func (e *IDError) AdvisesInSummary() bool { return true }
