package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// The cluster takes password logins over TCP and refuses a wrong password.
func TestClusterPasswordLogin(t *testing.T) {
	c := Start(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.URL("postgres")+"?sslmode=disable&password="+Password)
	if err != nil {
		t.Fatalf("login with the password: %v\n%s", err, c.Log())
	}
	conn.Close(ctx)
	if conn, err := pgx.Connect(ctx, c.URL("postgres")+"?sslmode=disable&password=wrong"); err == nil {
		conn.Close(ctx)
		t.Fatal("a wrong password was accepted")
	}
}
