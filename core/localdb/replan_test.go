package localdb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A download restored once saved is planned again from its file: the file's head is read
// and judged as for any file (a file that is not the dump is refused before anything
// changes), while pg_restore and the target are what the plan of the arriving dump found.
func TestReplanJudgesTheSavedFileAndKeepsWhatTheStreamPlanFound(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()
	f, err := os.Open(fixtureDump)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(t.TempDir(), "saved.backup")
	streamed, err := MakeStreamPlan(ctx, Options{Source: saved, Target: target(c, "replanned"), Create: true}, f, func() int64 { return st.Size() })
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(saved, []byte("not a dump at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := streamed.Replan(ctx, saved); !errors.Is(err, ErrDumpRefused) {
		t.Fatalf("Replan of a file that is not the dump = %v, want ErrDumpRefused", err)
	}
	dump, err := os.ReadFile(fixtureDump)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(saved, dump, 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := streamed.Replan(ctx, saved)
	if err != nil {
		t.Fatal(err)
	}
	if p.Source != saved || p.Tool != streamed.Tool || p.Jobs != streamed.Jobs || p.DBExists || len(p.Report.Tables) != 3 {
		t.Fatalf("replanned: source %q, tool %+v, %d jobs, exists %v, %d tables; stream plan: tool %+v, %d jobs",
			p.Source, p.Tool, p.Jobs, p.DBExists, len(p.Report.Tables), streamed.Tool, streamed.Jobs)
	}
	res, err := p.Run(ctx, nil)
	if err != nil || !res.Check.Complete {
		t.Fatalf("restore of the saved file: %v; %+v", err, res.Check)
	}
}
