// Package explain owns the plain-language explanations of errors: every documented error
// code of the Mendix Cloud API (docs/cloud-api.md) and every network failure becomes a
// sentence a non-technical app owner understands plus the next thing to do, with the
// technical detail (HTTP status, code, message, request, time) kept apart for "Details" and
// "Copy for support". It never prints credentials.
package explain

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"time"

	"restoredesk/core/cloud"
)

// Explanation is an error told for people.
type Explanation struct {
	Summary  string // what happened, in a sentence an app owner understands
	NextStep string // what to do now
	Detail   string // the technical part, for "Details"

	// Handoff is set when the way on is the Mendix Portal (a Free App's restore, an
	// upload to Mendix's own cloud): front ends show its steps, link and file.
	Handoff *Handoff

	// The technical facts Detail is made of (zero when the error was not an API answer).
	Status int
	Code   string
	Method string
	Path   string
	Time   time.Time
}

// SupportText is what "Copy for support" puts on the clipboard: summary, next step and
// details, with anything that looks like a credential removed.
func (e Explanation) SupportText() string {
	var b strings.Builder
	b.WriteString("Restore Desk problem report\n")
	fmt.Fprintf(&b, "What happened: %s\n", e.Summary)
	if e.NextStep != "" {
		fmt.Fprintf(&b, "Next step: %s\n", e.NextStep)
	}
	if e.Detail != "" {
		b.WriteString("Details:\n")
		for _, line := range strings.Split(e.Detail, "\n") {
			b.WriteString("  " + line + "\n")
		}
	}
	return redact(b.String())
}

// String is the summary and next step on one line, for a terminal.
func (e Explanation) String() string {
	if e.NextStep == "" {
		return e.Summary
	}
	return e.Summary + " " + e.NextStep
}

// Plain is implemented by errors that already carry plain words (the restore engine's
// errors): Explain uses their sentences and still collects the technical detail of the
// error they wrap.
type Plain interface {
	PlainSummary() string
	PlainNextStep() string
}

// SelfAdvising is implemented by errors whose summary already says what to do (a local
// database's refusal: "…; choose to create the database"): no generic next step is added
// to them, which would only contradict it.
type SelfAdvising interface {
	AdvisesInSummary() bool
}

func advisesInSummary(err error) bool {
	var a SelfAdvising
	return errors.As(err, &a) && a.AdvisesInSummary()
}

// Explain explains err as of now.
func Explain(err error) Explanation { return ExplainAt(err, time.Now()) }

// ExplainAt explains err that happened at t.
func ExplainAt(err error, t time.Time) Explanation {
	if err == nil {
		return Explanation{}
	}
	e := Explanation{Time: t.UTC()}
	var ae *cloud.APIError
	hasAPI := errors.As(err, &ae)
	if hasAPI {
		e.Status, e.Code, e.Method, e.Path = ae.StatusCode, strings.ToUpper(strings.TrimSpace(ae.Code)), ae.Method, ae.Path
	}
	var p Plain
	switch {
	case errors.As(err, &p) && p.PlainSummary() != "":
		e.Summary, e.NextStep = p.PlainSummary(), p.PlainNextStep()
		// A busy environment only needs waiting: never the caller's advice to give up
		// the safety backup that a failed backup step would otherwise suggest.
		if (e.NextStep == "" && !advisesInSummary(err)) || e.Code == "ENVIRONMENT_BUSY" {
			e.NextStep = lookup(err, ae).NextStep
		}
	default:
		m := lookup(err, ae)
		e.Summary, e.NextStep = m.Summary, m.NextStep
	}
	var h HandsOff
	if errors.As(err, &h) {
		ho := h.Handoff()
		e.Handoff = &ho
	}
	e.Detail = detail(err, ae, e.Time)
	return e
}

// detail is the technical part: status, code, message, request, time, and the error chain.
func detail(err error, ae *cloud.APIError, t time.Time) string {
	var lines []string
	if ae != nil {
		status := fmt.Sprintf("HTTP %d", ae.StatusCode)
		if ae.Code != "" {
			status += " " + ae.Code
		}
		lines = append(lines, status)
		if ae.Message != "" {
			lines = append(lines, "Message: "+ae.Message)
		}
		if ae.Method != "" || ae.Path != "" {
			lines = append(lines, "Request: "+strings.TrimSpace(ae.Method+" "+ae.Path))
		}
		if ae.RetryAfter != "" {
			lines = append(lines, "Retry-After: "+ae.RetryAfter)
		}
	}
	lines = append(lines, "Time: "+t.Format(time.RFC3339))
	lines = append(lines, "Error: "+err.Error())
	// Each line holds cloud text: a newline in it must not make a line of its own, which
	// a front end would print as if it were ours.
	for i, l := range lines {
		lines[i] = Printable(l)
	}
	return redact(strings.Join(lines, "\n"))
}

// credential patterns: header dumps or query strings that could carry a key.
var credentialRE = regexp.MustCompile(`(?i)(mendix-apikey|api[-_ ]?key|authorization|mxtoken)(["']?\s*[:=]\s*["']?)[^\s"',;&]+`)

func redact(s string) string { return credentialRE.ReplaceAllString(s, "${1}${2}[removed]") }

// message is one catalogue entry.
type message struct {
	Summary  string
	NextStep string
}

// lookup finds the entry for err: an API answer by code (refined by endpoint and message
// where one code means different things), else by HTTP status, else the network failure.
func lookup(err error, ae *cloud.APIError) message {
	if ae != nil {
		if m, ok := byCode(ae); ok {
			return m
		}
		return byStatus(ae.StatusCode)
	}
	return byFailure(err)
}

func byCode(ae *cloud.APIError) (message, bool) {
	code := strings.ToUpper(strings.TrimSpace(ae.Code))
	msg := strings.ToLower(ae.Message)
	path := strings.ToLower(ae.Path)
	switch code {
	case "NOT_FOUND":
		switch {
		case strings.Contains(path, "/restores/"):
			return restoreNotFound, true
		case strings.HasSuffix(path, "/restores") || strings.Contains(msg, "source snapshot"):
			return sourceNotFound, true
		case strings.Contains(path, "/archives"):
			return archiveNotFound, true
		case strings.Contains(path, "/uploads"):
			return uploadNotFound, true
		}
		return backupNotFound, true
	case "ERROR_NOT_ALLOWED":
		switch {
		case strings.Contains(msg, "stop loft"):
			return stillRunning, true
		case strings.Contains(msg, "not allowed to restore"):
			return notAllowedToRestore, true
		case strings.Contains(msg, "right state"):
			return backupNotReady, true
		}
		return notAllowed, true
	}
	m, ok := catalogue[code]
	return m, ok
}

var (
	restoreNotFound = message{
		"Mendix Cloud no longer knows this restore, so Restore Desk cannot follow it.",
		"Open the environment in the Mendix Portal to see whether the restore finished, and check the app before using it.",
	}
	sourceNotFound = message{
		"The backup to restore from was not found in this app: it may have expired or been deleted.",
		"Refresh the list of backups and pick one that is Completed.",
	}
	archiveNotFound = message{
		"The download of this backup was not found: it may have expired (downloads last 8 hours).",
		"Prepare the download again.",
	}
	uploadNotFound = message{
		"The upload was not found on the server any more, so it cannot be continued.",
		"Start the upload again; the file is sent from the beginning.",
	}
	backupNotFound = message{
		"This backup was not found: it may have expired or been deleted.",
		"Refresh the list of backups and pick another one.",
	}
	stillRunning = message{
		"The environment is still running, and Mendix Cloud only restores into a stopped environment.",
		"Stop the environment and try again; a restore started from Restore Desk stops it for you.",
	}
	// 400 ERROR_NOT_ALLOWED "Not allowed to restore backups.": Mendix answers a missing
	// permission with 403 NO_ACCESS, so this is the environment's limit, not the account's.
	notAllowedToRestore = message{
		"Mendix Cloud does not allow restoring backups into this environment (it answered \"Not allowed to restore backups.\"). A missing permission gets another answer, so this is most likely a limit of the environment or its plan, not of your account. Nothing was changed.",
		"Try the restore in the Mendix Portal (the app's Backups page); if it is refused there too, contact Mendix Support and copy the details for them.",
	}
	backupNotReady = message{
		"This backup is not ready to be restored: it is still being made, or it failed.",
		"Wait until the backup shows Completed, or pick another backup.",
	}
	notAllowed = message{
		"Mendix Cloud does not allow this action on this environment right now.",
		"Check the environment's state in the Mendix Portal and try again; copy the details for support if it keeps happening.",
	}
)

// catalogue maps every documented error code (cloud-api.md §1.4, §2, §3) to plain words.
// NOT_FOUND and ERROR_NOT_ALLOWED depend on the endpoint and message: see byCode.
var catalogue = map[string]message{
	// Credentials and rights.
	"UNAUTHORIZED": {
		"Mendix Cloud did not accept this account's username and API key.",
		"Check the username (your Mendix login e-mail address), create a new API key in your Mendix Profile under API Keys, and update the account in Restore Desk.",
	},
	"NO_ACCESS": {
		"This account is not allowed to do this in this environment.",
		"Ask the app's Technical Contact to give you API Rights and Access to Backups for this environment (app › Environments › Permissions).",
	},
	"TRANSPORT_NOT_ALLOWED": {
		"This account is not allowed to move app packages into this environment.",
		"Ask the app's Technical Contact for Transport Rights on this environment.",
	},
	"APP_IS_RUNNING":          stillRunning,
	"ENVIRONMENT_NOT_STOPPED": stillRunning,

	// Things that do not exist (any more).
	"APP_NOT_FOUND": {
		"Mendix Cloud does not know this app, or this account cannot see it.",
		"Refresh the list of apps and check that you use the account that has access to the app.",
	},
	"ENVIRONMENT_NOT_FOUND": {
		"This environment does not exist (any more), or this account cannot see it.",
		"Refresh the app's environments and pick one from the list.",
	},
	"SNAPSHOT_NOT_FOUND": backupNotFound,
	"NO_SUCH_STARTJOB": {
		"Mendix Cloud no longer knows the start that Restore Desk was following.",
		"Look at the environment's status; if it is not running, start it again.",
	},
	"PACKAGE_NOT_FOUND": {
		"The app package was not found in Mendix Cloud.",
		"Build and deploy a package for this environment in the Mendix Portal first.",
	},

	// Requests Mendix Cloud would not take.
	"INVALID_PARAMETERS": {
		"Mendix Cloud did not accept the details of the request.",
		"Refresh the lists and try again; if it keeps happening, copy the details for support.",
	},
	"INVALID_ENVIRONMENT": {
		"Mendix Cloud did not recognise the environment name.",
		"Pick the environment from the list instead of typing its name.",
	},
	"INVALID_APPID": {
		"Mendix Cloud did not recognise the app.",
		"Pick the app from the list instead of typing its id.",
	},
	"INVALID_PROJECTID": {
		"Mendix Cloud did not recognise the app's project id.",
		"Pick the app from the list; copy the details for support if it keeps happening.",
	},
	"APPLICATION_ALREADY_EXISTS": {
		"This Free App already has an environment in Mendix Cloud.",
		"Use the existing environment.",
	},
	"NOT_SUPPORTED": {
		"Mendix Cloud's API offers this only for apps hosted on Mendix Cloud: this app runs elsewhere (Mendix on Kubernetes or another private cloud), or it is a Free App, for which the API offers little more than listing. Nothing was changed.",
		"For an app on Mendix on Kubernetes, use its environment's Backups page in the Mendix Portal or ask the team that runs its cluster; for a Free App, use the app's Backups page in the Mendix Portal (" + cloud.PortalURL + ").",
	},
	"INVALID_STATE": {
		"Mendix Cloud is doing maintenance on this environment right now.",
		"Wait until the maintenance is over (the Mendix Portal shows it) and try again.",
	},
	"ENVIRONMENT_BUSY": {
		"The environment is busy with another operation, such as a backup, a restore or a deployment.",
		"Wait a few minutes until it has finished, then try again with the same choices, safety backup included.",
	},
	"UNSUPPORTED": {
		"This kind of backup download is not offered.",
		"Choose \"database only\" or \"files and database\".",
	},
	"ENVIRONMENT_NOT_DEPLOYED": {
		"Nothing has been deployed to this environment yet.",
		"Deploy the app to this environment in the Mendix Portal first: a restore needs the app's database to exist.",
	},

	// Trouble on Mendix Cloud's side.
	"SERVICE_UNAVAILABLE": {
		"Mendix Cloud could not do this right now.",
		"Wait a few minutes and try again; if it keeps happening, check the Mendix status page.",
	},
	"SNAPSHOT_LISTING_FAILED": {
		"Mendix Cloud could not list the backups of this environment.",
		"Wait a few minutes and try again.",
	},
	"STOP_FAILED": {
		"Mendix Cloud could not stop the environment.",
		"Try again; if it keeps failing, stop it in the Mendix Portal and look at the app's logs.",
	},
	"INTERNAL_SERVER_ERROR": {
		"Mendix Cloud had an internal problem (it also answers this while a backup is still being made).",
		"Wait a few minutes and try again.",
	},

	// Restore Desk's upload extension (the embedded cloud).
	"UPLOAD_TOO_LARGE": {
		"The server does not accept a file this large.",
		"Upload the archive through the Mendix Portal, or start the embedded cloud with a higher upload limit.",
	},
	"INSUFFICIENT_STORAGE": {
		"The server has no room on its disk for this file, so it did not accept the upload. Nothing was sent.",
		"Free some space where the server keeps its data, then upload again.",
	},

	// Starting an environment.
	"ALREADY_STARTED": {
		"The environment is already running.",
		"Nothing needs to be done.",
	},
	"NO_MDA_HAS_BEEN_DEPLOYED": {
		"The environment cannot start because no app package has been deployed to it.",
		"Deploy a package to this environment in the Mendix Portal, then start it.",
	},
	"APP_ALREADY_HAS_A_STARTING_JOB": {
		"The environment is already being started.",
		"Wait a minute and look at its status.",
	},
	"NO_PACKAGE": {
		"The environment cannot start because it has no app package.",
		"Deploy a package to this environment in the Mendix Portal, then start it.",
	},
	"ALREADY_LOCKED": {
		"The environment is locked by another operation, so it cannot start now.",
		"Wait a few minutes and start it again.",
	},
	"DB_SYNC_FAILED": {
		"The app could not bring its database in line with its model while starting, so it did not start.",
		"The restored data may not fit the deployed model: deploy the model version the backup was made with, or look at the app's logs in the Mendix Portal.",
	},
	"INVALID_DB_STRUCTURE": {
		"The database does not have the structure the app expects, so the app did not start.",
		"Start it with database synchronisation on (Restore Desk does so); if it still fails, deploy the model version the backup was made with.",
	},
	"MISSING_CONSTANT": {
		"The app did not start because a constant has no value in this environment.",
		"Set the constant in the Mendix Portal (Environment Details › Model Options) and start the environment again.",
	},
	"INSECURE_ADMIN_PASSWORD": {
		"The app did not start because its administrator password is not strong enough for this environment.",
		"Change the admin password in the Mendix Portal (Environment Details) and start the environment again.",
	},
	"STARTUP_ACTION_FAILED": {
		"The app's own start-up action failed, so the app stopped again.",
		"Look at the app's logs in the Mendix Portal; the app's developer may need to fix the start-up microflow.",
	},
	"START_FAILED": {
		"The app did not start.",
		"Look at the app's logs in the Mendix Portal and start it again.",
	},
}

// byStatus explains an answer whose code is missing or unknown.
func byStatus(status int) message {
	switch {
	case status == 401:
		return catalogue["UNAUTHORIZED"]
	case status == 403:
		return catalogue["NO_ACCESS"]
	case status == 404 || status == 410:
		return message{
			"What Restore Desk asked for was not found in Mendix Cloud.",
			"Refresh the lists and try again.",
		}
	case status == 423:
		return catalogue["ALREADY_LOCKED"]
	case status == 429:
		return message{
			"Mendix Cloud asked Restore Desk to slow down: too many requests in a short time.",
			"Wait a minute and try again.",
		}
	case status == 502 || status == 504:
		return message{
			"A gateway in front of Mendix Cloud did not get an answer in time.",
			"Look at the environment before trying again: the action may still have happened.",
		}
	case status == 503:
		return message{
			"Mendix Cloud is temporarily unavailable.",
			"Wait a few minutes and try again; if it keeps happening, check the Mendix status page.",
		}
	case status >= 500:
		return message{
			"Mendix Cloud had a problem on its side.",
			"Wait a few minutes and try again; copy the details for support if it keeps happening.",
		}
	case status >= 400:
		return message{
			"Mendix Cloud refused the request.",
			"Copy the details for support: they say what was refused.",
		}
	}
	return message{
		"Mendix Cloud gave an answer Restore Desk did not expect.",
		"Try again; copy the details for support if it keeps happening.",
	}
}

// byFailure explains errors that are not API answers: network failures and local ones.
func byFailure(err error) message {
	var dnsErr *net.DNSError
	var certInvalid x509.CertificateInvalidError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certVerify *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var netErr net.Error
	if m, ok := byMistake(err); ok {
		return m
	}
	switch {
	case errors.Is(err, cloud.ErrNoRoom):
		return message{
			"The restore failed because the environment's database ran out of space: " + cloud.RestoreRoomRule + ". The restore may have stopped halfway, so the data can be incomplete.",
			"Give the environment a bigger database plan (Mendix Portal › Environments), or restore a smaller backup; then restore again, or undo with the safety backup.",
		}
	case errors.Is(err, cloud.ErrAmbiguous):
		return message{
			"The connection broke just after the request was sent, so it is not known whether Mendix Cloud carried it out.",
			"Look at the environment in the Mendix Portal before trying again: Restore Desk does not repeat such a request by itself.",
		}
	case errors.Is(err, cloud.ErrUploadsUnsupported):
		return message{
			"This server does not accept uploaded archives: on Mendix Cloud, archives are uploaded through the Mendix Portal.",
			"Open the environment's Backups page in the Mendix Portal and use Upload Archive; the upload then appears here as a backup you can restore.",
		}
	case errors.Is(err, context.Canceled):
		return message{
			"The operation was cancelled.",
			"Start it again when you are ready.",
		}
	case errors.As(err, &dnsErr):
		return message{
			"The server's name could not be found: this computer may be offline, or the server address is wrong.",
			"Check the internet connection and the account's server address, then try again.",
		}
	case errors.Is(err, syscall.ECONNREFUSED):
		return message{
			"The server refused the connection: nothing answers at that address.",
			"Check the account's server address; for the built-in demo cloud, start Restore Desk's demo again.",
		}
	case errors.Is(err, http.ErrSchemeMismatch):
		return message{
			"The server answered in plain HTTP, not over the secure connection (HTTPS) its address asks for.",
			"Check the server address: for a server on this computer, such as the built-in demo cloud, use http:// instead of https://; Mendix Cloud itself is always https://deploy.mendix.com.",
		}
	case errors.As(err, &certInvalid), errors.As(err, &unknownAuth), errors.As(err, &hostErr),
		errors.As(err, &certVerify), errors.As(err, &recordErr):
		return message{
			"The secure connection to the server could not be trusted, so Restore Desk did not use it.",
			"Check this computer's date and time and the server address; on a company network a proxy may be in the way: ask your IT team.",
		}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return message{
			"The server did not answer in time.",
			"Check the internet connection and try again.",
		}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return message{
			"The connection to the server broke.",
			"Check the internet connection and try again.",
		}
	case errors.As(err, new(*net.OpError)):
		return message{
			"Restore Desk could not reach the server.",
			"Check the internet connection and the account's server address, then try again.",
		}
	}
	return message{
		"Something unexpected went wrong.",
		"Try again; if it happens again, copy the details for support.",
	}
}
