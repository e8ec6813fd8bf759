package localcloud

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// Error codes as documented for Deploy API v1 and Backups API v2 (cloud-api.md §1.4).
const (
	codeUnauthorized       = "UNAUTHORIZED"
	codeNoAccess           = "NO_ACCESS"
	codeInvalidParameters  = "INVALID_PARAMETERS"
	codeInvalidAppID       = "INVALID_APPID"
	codeAppNotFound        = "APP_NOT_FOUND"
	codeEnvNotFound        = "ENVIRONMENT_NOT_FOUND"
	codeNotFound           = "NOT_FOUND"
	codeNoSuchStartJob     = "NO_SUCH_STARTJOB"
	codeNotAllowed         = "ERROR_NOT_ALLOWED"
	codeEnvBusy            = "ENVIRONMENT_BUSY"
	codeUnsupported        = "UNSUPPORTED"
	codeAlreadyStarted     = "ALREADY_STARTED"
	codeNoMDA              = "NO_MDA_HAS_BEEN_DEPLOYED"
	codeAlreadyStarting    = "APP_ALREADY_HAS_A_STARTING_JOB"
	codeInvalidDBStructure = "INVALID_DB_STRUCTURE"
	codeServiceUnavailable = "SERVICE_UNAVAILABLE"
	codeTooManyRequests    = "TOO_MANY_REQUESTS"
	codeInternal           = "INTERNAL_SERVER_ERROR"
	codeNotSupported       = "NOT_SUPPORTED"

	// Codes of Restore Desk's upload extension (not Mendix's).
	codeUploadTooLarge      = "UPLOAD_TOO_LARGE"
	codeInsufficientStorage = "INSUFFICIENT_STORAGE"
)

// Messages whose exact wording is documented (cloud-api.md §3) or that clients may show.
const (
	msgUnauthorized      = "Please provide valid credentials or set up a Mendix user session"
	msgStopFirst         = "Please stop loft before restarting a backup."
	msgNotRightState     = "Restore failed, backup is not in the right state to start restoring."
	msgSourceNotFound    = "Source snapshot not found"
	msgRestoreNotFound   = "Restore not found"
	msgFreeAppNoBackups  = "Free Apps cannot create manual backups: only the automatic nightly backups exist for a Free App."
	msgFreeAppNoUploads  = "Free Apps cannot upload backups: restore one of the app's own backups instead."
	msgNoBackupsAccess   = "You have no access to the backups of this environment: ask the app's Technical Contact to grant 'Access to Backups' on the environment's Permissions tab."
	msgNoAPIAccess       = "You have no API rights on this environment: ask the app's Technical Contact to grant 'API Rights' on the environment's Permissions tab."
	msgEnvBusyRestore    = "A restore is already running on this environment: wait until it has finished."
	msgEnvBusySnapshot   = "A backup is being created on this environment: wait until it has finished."
	msgEnvBusyStart      = "The environment is starting: wait until it has started."
	msgEnvBusyStop       = "The environment is stopping: wait until it has stopped."
	msgRestoreNoRoom     = "Restore failed: there is not enough free disk space for the database. The environment's data were left as they were."
	msgInternalStoreFail = "The cloud could not read or write its data. Try again; if it persists, check the server log."
)

// apiError is the documented error body {"errorCode": ..., "errorMessage": ...}.
type apiError struct {
	status  int
	Code    string `json:"errorCode"`
	Message string `json:"errorMessage"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func newAPIError(status int, code, msg string) *apiError {
	return &apiError{status: status, Code: code, Message: msg}
}

// maxRequestBody bounds the JSON bodies the API takes (a comment, AutoSyncDb).
const maxRequestBody = 64 << 10

// readJSONBody decodes the request's JSON body into v; an empty body leaves v as it is.
// example shows the expected shape in the error message.
func readJSONBody(r *http.Request, v any, example string) *apiError {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		return newAPIError(http.StatusBadRequest, codeInvalidParameters, "The request body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return newAPIError(http.StatusBadRequest, codeInvalidParameters, "The body must be JSON like "+example+".")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"errorCode":"INTERNAL_SERVER_ERROR","errorMessage":"could not encode the answer"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, e)
}
