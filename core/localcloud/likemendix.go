package localcloud

import (
	"net/http"
	"slices"
	"strings"
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
	msgOnlyMendixCloud       = "This endpoint can only be used for applications deployed to Mendix Cloud."
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

// onlyMendixCloud answers 400 NOT_SUPPORTED to every environment and backup call for an
// app in Config.OutsideMendixCloud (an app deployed on Mendix on Kubernetes or a private
// cloud); listing and getting apps work as for any app.
func (c *Cloud) onlyMendixCloud(next http.Handler) http.Handler {
	if len(c.cfg.OutsideMendixCloud) == 0 {
		return next
	}
	outside := func(appID string) bool {
		return slices.ContainsFunc(c.cfg.OutsideMendixCloud, func(a string) bool { return strings.EqualFold(a, appID) })
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // api, 1|v2, apps, id, environments, ...
		if len(parts) >= 5 && parts[0] == "api" && parts[2] == "apps" && parts[4] == "environments" {
			appID := parts[3]
			if parts[1] == "v2" {
				appID = ""
				_ = c.db.QueryRowContext(r.Context(), `SELECT app_id FROM apps WHERE project_id = lower(?)`, parts[3]).Scan(&appID)
			}
			if appID != "" && outside(appID) {
				writeError(w, newAPIError(http.StatusBadRequest, codeNotSupported, msgOnlyMendixCloud))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
