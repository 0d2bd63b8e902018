package outbox

// The validation of what is handed over, for the external tests.
var (
	ValidateNotice = validateNotice
	ValidateReport = validateReport
)
