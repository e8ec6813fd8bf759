package profiles

import "fmt"

// Database is the local PostgreSQL connection a profile last restored into. It never
// holds the password: that is kept in the SecretStore under DatabaseSecretName.
type Database struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	User     string `json:"user"`
	Database string `json:"database"`
}

// DatabaseSecretName is the SecretStore entry of a database password: per profile, server
// and user, the same for the desktop and restorectl.
func DatabaseSecretName(profile, host string, port int, user string) string {
	return fmt.Sprintf("postgresql:%s:%s@%s:%d", profile, user, host, port)
}

// Database returns the connection the profile last used, if any.
func (s *Store) Database(profile string) (Database, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.data.Databases[profile]
	return d, ok
}

// SetDatabase remembers the connection for the profile (any name, the demo's as well).
func (s *Store) SetDatabase(profile string, d Database) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data.Databases[profile] == d {
		return nil
	}
	if s.data.Databases == nil {
		s.data.Databases = map[string]Database{}
	}
	s.data.Databases[profile] = d
	return s.writeLocked()
}
