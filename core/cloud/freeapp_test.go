package cloud

import "testing"

func TestIsFreeApp(t *testing.T) {
	licensed := App{AppID: "calc", URL: "https://calc.mendixcloud.com"}
	cases := []struct {
		name string
		app  App
		envs []Environment
		want bool
	}{
		{"licensed", licensed, []Environment{{Mode: "Test", URL: "https://calc-test.mendixcloud.com"}, {Mode: "Production"}}, false},
		{"sandbox env", licensed, []Environment{{Mode: "Sandbox"}}, true},
		{"sandbox any case", licensed, []Environment{{Mode: " sandbox "}}, true},
		{"mxapps app url, no envs", App{URL: "https://expenses-sandbox.mxapps.io"}, nil, true},
		{"mxapps url without scheme", App{URL: "expenses-sandbox.mxapps.io/index.html"}, nil, true},
		{"mxapps env url", licensed, []Environment{{Mode: "Main", URL: "https://x.MXAPPS.IO."}}, true},
		{"look-alike host", App{URL: "https://mxapps.io.evil.example"}, nil, false},
		{"look-alike suffix", App{URL: "https://notmxapps.io"}, nil, false},
		{"mode containing sandbox", licensed, []Environment{{Mode: "SandboxTest"}}, false},
		{"empty", App{}, nil, false},
	}
	for _, tc := range cases {
		if got := IsFreeApp(tc.app, tc.envs); got != tc.want {
			t.Errorf("%s: IsFreeApp = %v, want %v", tc.name, got, tc.want)
		}
	}
}
