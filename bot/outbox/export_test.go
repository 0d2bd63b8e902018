package outbox

import (
	"context"
	"time"
)

// The validation of what is handed over, for the external tests.
var (
	ValidateNotice = validateNotice
	ValidateReport = validateReport
)

// MayPost is the check made before every post (mayAttempt's lease part).
func (o *Outbox) MayPost(ctx context.Context, now time.Time) bool { return o.lease.confirm(ctx, now) }
