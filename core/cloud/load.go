package cloud

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// AppWithEnvironments is one app of the account with its environments, as the app list of
// the UI and `restorectl apps` show it. In JSON the App's own fields come first, as the API
// names them, followed by FreeApp and Environments.
type AppWithEnvironments struct {
	App
	FreeApp      bool          `json:"FreeApp"`
	Environments []Environment `json:"Environments"`
	// Err is why this app's environments could not be listed (nil when they were); the app
	// is still shown, FreeApp then rests on its URL alone.
	Err error `json:"-"`
}

// LoadAccount lists the account's apps and each app's environments, with at most
// concurrency requests in flight (values below 1 mean 1). The result keeps the order of
// ListApps.
//
// Errors: LoadAccount fails as a whole when the app list fails, when ctx ends, or when an
// environment list is refused as unauthorized (the key is wrong for everything, so the
// remaining requests are cancelled). Any other failure of one app's environment list
// (no access, not found, a Free App the v1 API won't list, the server's trouble after the
// retries) is kept in that app's Err, so one bad app does not hide the account.
func (c *Client) LoadAccount(ctx context.Context, concurrency int) ([]AppWithEnvironments, error) {
	apps, err := c.ListApps(ctx)
	if err != nil {
		return nil, fmt.Errorf("load account: %w", err)
	}
	if concurrency < 1 {
		concurrency = 1
	}
	out := make([]AppWithEnvironments, len(apps))
	for i, a := range apps {
		out[i].App = a
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(concurrency, len(apps)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				envs, err := c.ListEnvironments(ctx, apps[i].AppID)
				if errors.Is(err, ErrUnauthorized) {
					cancel(err)
				}
				out[i].Environments, out[i].Err = envs, err
				out[i].FreeApp = IsFreeApp(apps[i], envs)
			}
		}()
	}
feed:
	for i := range apps {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("load account: %w", err)
	}
	return out, nil
}
