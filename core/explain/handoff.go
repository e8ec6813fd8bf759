package explain

import (
	"fmt"
	"strings"

	"restoredesk/core/cloud"
	"restoredesk/core/wording"
)

// Handoff hands the user over to the Mendix Portal for what the API does not offer
// (restoring a Free App's backup, uploading an archive to Mendix's own cloud). It is data:
// the window draws it with a button that opens URL (and "Show in folder" for File), the
// CLI prints it with the link and the full path.
type Handoff struct {
	Reason string   // why Restore Desk hands over, and that nothing was changed
	Steps  []string // the how-to's steps in the Portal, in order
	URL    string   // the Mendix Portal
	File   string   // an upload's file, full path; empty otherwise
}

// FreeAppRestoreHandoff is the hand-over when Mendix Cloud refused a Free App's
// environment read, stop or restore: the how-to's Free App steps.
func FreeAppRestoreHandoff(app, env, snapshot string) Handoff {
	pick := "pick the backup"
	if snapshot != "" {
		pick = fmt.Sprintf("pick the backup %s", snapshot)
	}
	return Handoff{
		Reason: fmt.Sprintf("Mendix Cloud does not let apps like %s (a Free App) be stopped or restored through its API, so nothing was changed. Restore it in the Mendix Portal:", app),
		Steps: []string{
			fmt.Sprintf("Open %s in the Mendix Portal and go to Backups (environment %s).", app, env),
			wording.UpperFirst(pick) + ".",
			"Click Stop Application, and wait until the app is stopped.",
			"Click Restore Backup, and confirm.",
		},
		URL: cloud.PortalURL,
	}
}

// ElsewhereHandoff is the hand-over when Mendix Cloud answered NOT_SUPPORTED for a
// licensed app: it is deployed outside Mendix Cloud (Mendix on Kubernetes, a private
// cloud), so its backups are kept and restored by the platform it runs on.
func ElsewhereHandoff(app, env string) Handoff {
	return Handoff{
		Reason: fmt.Sprintf("%s is not hosted on Mendix Cloud (it runs on Mendix on Kubernetes or another private cloud), and Mendix Cloud's backup API serves only apps hosted there, so nothing was changed. Its backups are restored where it runs:", app),
		Steps: []string{
			fmt.Sprintf("Open %s in the Mendix Portal and go to the environment %s.", app, env),
			"If the environment has a Backups page (Mendix on Kubernetes), pick the backup there and restore it.",
			"If it has none, ask the team that runs the app's cluster and database to restore the backup.",
		},
		URL: cloud.PortalURL,
	}
}

// UploadHandoff is the hand-over of an archive to upload through the Portal (Mendix's own
// cloud has no upload route). file is the archive's full path; verdict the inspection's.
func UploadHandoff(app, env, file, verdict string) Handoff {
	reason := "Mendix Cloud accepts uploaded archives only through the Mendix Portal, so Restore Desk did not send the file; nothing was changed."
	if verdict != "" {
		reason = verdict + " " + reason
	}
	return Handoff{
		Reason: reason,
		Steps: []string{
			fmt.Sprintf("Open %s in the Mendix Portal and go to Backups.", app),
			fmt.Sprintf("Choose the environment %s.", env),
			"Click Upload Archive and choose the file " + file + ".",
			"When the upload shows as a backup, restore it (here or in the Portal).",
		},
		URL:  cloud.PortalURL,
		File: file,
	}
}

// Text is the hand-over as lines for a terminal: the reason, numbered steps, the link.
func (h Handoff) Text() string {
	var b strings.Builder
	b.WriteString(Printable(h.Reason) + "\n")
	for i, s := range h.Steps {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, Printable(s))
	}
	if h.URL != "" {
		fmt.Fprintf(&b, "Mendix Portal: %s\n", h.URL)
	}
	if h.File != "" {
		fmt.Fprintf(&b, "File: %s\n", Printable(h.File))
	}
	return b.String()
}

// HandsOff is implemented by errors that end in a hand-over to the Portal.
type HandsOff interface {
	Handoff() Handoff
}
