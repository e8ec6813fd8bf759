package main

import (
	"context"
	"testing"

	"restoredesk/core/cloud"
	"restoredesk/core/localcloud"
)

// setCommentOverAPI sets a backup's comment straight through the API, as another client
// (or the Portal) could, bypassing restorectl's own checks.
func setCommentOverAPI(t *testing.T, url, appID, mode, snapshotID, comment string) {
	t.Helper()
	ctx := context.Background()
	c, err := cloud.New(url, cloud.Credentials{Username: localcloud.DemoUsername, APIKey: localcloud.DemoAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	env, err := c.GetEnvironment(ctx, appID, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateSnapshotComment(ctx, localcloud.ProjectID(appID), env.EnvironmentID, snapshotID, comment); err != nil {
		t.Fatal(err)
	}
}
