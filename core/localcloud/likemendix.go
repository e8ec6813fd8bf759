package localcloud

import (
	"net/http"
)

// Behaving like the real Mendix Cloud (Config.LikeMendix). The Deploy API documents only
// listing, getting and creating Free Apps (cloud-api.md §2), and the Mendix Cloud overview
// says Free Apps cannot be started or stopped by hand; restores through the API are not
// documented for them. So, like the real cloud is expected to, this cloud refuses those
// calls for a Free App with a 4xx, and changes nothing. Which 4xx the real cloud sends is
// not documented: the Deploy API calls get 400 NOT_SUPPORTED, the restore 403 NO_ACCESS,
// so that clients are tested against more than one (they must treat any 4xx alike).

const (
	msgFreeAppV1NotSupported = "This operation is not supported for Free Apps: the Deploy API offers only listing and getting Free Apps."
	msgFreeAppRestore        = "Restoring backups of Free Apps through the API is not allowed: use the Mendix Portal."
)

// freeAppV1 refuses a Deploy API v1 environment call for a Free App when LikeMendix.
func (c *Cloud) freeAppV1(next http.HandlerFunc) http.HandlerFunc {
	if !c.cfg.LikeMendix {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		var free bool
		err := c.db.QueryRowContext(r.Context(), `SELECT free FROM apps WHERE app_id = ?`, r.PathValue("appID")).Scan(&free)
		if err == nil && free {
			writeError(w, newAPIError(http.StatusBadRequest, codeNotSupported, msgFreeAppV1NotSupported))
			return
		}
		next(w, r) // unknown apps get their usual answer
	}
}

// freeAppV2 refuses a Backups API v2 restore into a Free App when LikeMendix.
func (c *Cloud) freeAppV2(next http.HandlerFunc) http.HandlerFunc {
	if !c.cfg.LikeMendix {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		var free bool
		err := c.db.QueryRowContext(r.Context(), `SELECT free FROM apps WHERE project_id = lower(?)`, r.PathValue("projectID")).Scan(&free)
		if err == nil && free {
			writeError(w, newAPIError(http.StatusForbidden, codeNoAccess, msgFreeAppRestore))
			return
		}
		next(w, r)
	}
}
