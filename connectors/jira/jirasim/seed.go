package jirasim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
)

// LoadSeed reads a fixture: JSON, or YAML (.yaml/.yml) with the same keys.
// Unknown keys are errors so typos in fixtures do not go unnoticed.
func LoadSeed(path string) (Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Seed{}, fmt.Errorf("jirasim: read fixture: %w", err)
	}
	return ParseSeed(data, filepath.Ext(path))
}

// ParseSeed parses fixture data; ext is ".json", ".yaml" or ".yml".
func ParseSeed(data []byte, ext string) (Seed, error) {
	switch strings.ToLower(ext) {
	case ".yaml", ".yml":
		j, err := yaml.YAMLToJSON(data)
		if err != nil {
			return Seed{}, fmt.Errorf("jirasim: fixture: %w", err)
		}
		data = j
	case ".json", "":
	default:
		return Seed{}, fmt.Errorf("jirasim: fixture: unsupported extension %q (want .json, .yaml or .yml)", ext)
	}
	var s Seed
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&s); err != nil {
		return Seed{}, fmt.Errorf("jirasim: fixture: %w", err)
	}
	return s, nil
}

// Well-known accounts of DefaultSeed.
const (
	BotEmail     = "slabot@example.com"
	BotToken     = "sim-bot-token"
	BotAccountID = "bot-0001"
	AgentID      = "agent-0001"
	LeadID       = "lead-0001"
	CustomerID   = "customer-0001"
)

// DefaultSeed is a small service desk site: project SUP, JSM statuses,
// the usual priorities and types, SLA fields for slabot, a bot account
// (BotEmail/BotToken, admin), an agent, a team lead and a customer whose
// e-mail is hidden.
func DefaultSeed() Seed {
	return Seed{
		TimeZone:   "UTC",
		Projects:   []Project{{Key: "SUP", Name: "Support", ServiceDesk: true}},
		IssueTypes: []IssueType{{Name: "Incident"}, {Name: "Service Request"}, {Name: "Question"}, {Name: "Bug"}, {Name: "Task"}},
		Priorities: []Priority{{Name: "Highest"}, {Name: "High"}, {Name: "Medium"}, {Name: "Low"}, {Name: "Lowest"}},
		Statuses: []Status{
			{Name: "Open", Category: CategoryNew},
			{Name: "Waiting for support", Category: CategoryNew},
			{Name: "In Progress", Category: CategoryInProgress},
			{Name: "Waiting for customer", Category: CategoryInProgress},
			{Name: "Resolved", Category: CategoryDone},
			{Name: "Closed", Category: CategoryDone},
		},
		Resolutions: []string{"Done", "Won't Do", "Duplicate", "Cannot Reproduce"},
		Fields: []Field{
			{Name: "Organizations", Type: FieldOrganizations},
			{Name: "First Response Due", Type: FieldDatetime},
			{Name: "Resolution Due", Type: FieldDatetime},
			{Name: "SLA State", Type: FieldSelect, Options: []string{"on track", "at risk", "breached", "met", "paused"}},
			{Name: "Customer Tier", Type: FieldSelect, Options: []string{"Basic", "Standard", "Premium", "Enterprise"}},
			{Name: "Support Contract", Type: FieldText},
			{Name: "Credits Used", Type: FieldNumber},
		},
		Users: []User{
			{AccountID: BotAccountID, DisplayName: "slabot", Email: BotEmail, APIToken: BotToken, Admin: true, TimeZone: "UTC"},
			{AccountID: AgentID, DisplayName: "Alice Agent", Email: "alice@example.com", TimeZone: "Europe/Berlin"},
			{AccountID: LeadID, DisplayName: "Lee Lead", Email: "lee@example.com", TimeZone: "Europe/Berlin"},
			{AccountID: CustomerID, DisplayName: "Carla Customer", Email: "carla@customer.example", HideEmail: true, Customer: true},
		},
		// Roles and groups of the staff, in every project: the customer is
		// in none, so a comment restricted to any of them is hidden from
		// her. "Support Agents" is the role slabot restricts its internal
		// notes to by default outside Jira Service Management.
		Roles: []Role{
			{Name: "Administrators", Members: []string{BotAccountID}},
			{Name: "Developers", Staff: true},
			{Name: "Service Desk Team", Staff: true},
			{Name: "Support Agents", Staff: true},
		},
		Groups: []Group{
			{Name: "staff", Staff: true},
			{Name: "jira-servicedesk-users", Staff: true},
		},
	}
}
