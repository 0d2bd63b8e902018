package jirasim

import "strings"

// assignSamples are the OpenAPI samples of the Claim routes.
func assignSamples(sim *Server) map[string]sample {
	out := map[string]sample{
		"PUT /rest/api/2/issue/{issueIdOrKey}/assignee": {"/rest/api/2/issue/SUP-1/assignee", `{"accountId":"` + AgentID + `"}`, 204},
		"GET /rest/api/2/user/search":                   {"/rest/api/2/user/search?query=" + strings.ToLower(sim.displayName(AgentID))[:3], "", 200},
	}
	for name, smp := range out {
		out[strings.Replace(name, "/rest/api/2/", "/rest/api/3/", 1)] = sample{strings.Replace(smp.path, "/rest/api/2/", "/rest/api/3/", 1), smp.body, smp.status}
	}
	return out
}
