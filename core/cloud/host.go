package cloud

import (
	"net/url"
	"strings"
)

// PortalURL is the Mendix Portal's Apps page (the address the Mendix docs link "Apps" to),
// where what the API does not offer is done by hand: uploading an archive, restoring a
// Free App's backup.
const PortalURL = "https://sprintr.home.mendix.com"

// IsMendixCloudURL reports whether raw points at Mendix's own cloud: deploy.mendix.com or
// another host under mendix.com (cloud-api.md §1.1 lists them all there). Such a server
// has no upload route: its docs say archives are uploaded through the Portal only.
func IsMendixCloudURL(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	return host == "mendix.com" || strings.HasSuffix(host, ".mendix.com")
}

// IsMendixCloud reports whether the client talks to Mendix's own cloud.
func (c *Client) IsMendixCloud() bool { return IsMendixCloudURL(c.baseStr) }

// UploadsSupported reports, without a request, whether the server may offer Restore
// Desk's upload extension: false for Mendix's own cloud, whose docs say uploads go through
// the Portal; true for any other server, which CreateUpload then asks. Front ends and the
// engine ask this before offering an upload, so nothing probes a route Mendix does not have.
func (c *Client) UploadsSupported() bool { return !c.IsMendixCloud() }
