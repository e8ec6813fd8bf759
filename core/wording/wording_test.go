package wording

import "testing"

func TestWording(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{UpperFirst("the backup"), "The backup"},
		{UpperFirst("élan"), "Élan"},
		{UpperFirst(""), ""},
		{UpperFirst("3 tables"), "3 tables"},
		{LowerFirst("Restore Desk could not"), "restore Desk could not"},
		{LowerFirst("Échec"), "échec"},
		{Plural(1, "table", "tables"), "table"},
		{Plural(0, "table", "tables"), "tables"},
		{Count(1, "file", "files"), "1 file"},
		{Count(12, "entry", "entries"), "12 entries"},
		{UpperFirst("\xffbad"), "\xffbad"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
