package rules_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The rules each shipped policy must quote next to its encoding, one entry
// per rule of the seed contract. If the seeds are checked out beside the
// repository (../shared/seeds, as in development), each quote must also be
// the contract's own words.
var seedQuotes = map[string]struct {
	seed   string
	quotes []string
}{
	"botron": {"000_34b1cd7e390e59e7.txt", []string{
		"does not set a Service Level (SLA) threshold for the overall problem resolution",
		"the first response and assessment of the issue is done in 1 business day.",
		"Business days are Monday to Friday",
		"except December 25th (Christmas), January 1st (New Year), March 3rd and Thanksgiving Day (last Thursday of November).",
		"Business hours are from 6,00am to 10,00pm Western European Time (GMT).",
		"Customers will receive an automatic email reply with a issue number for the submitted inquiry",
		"and subsequent email for every progress update.",
		"every Botron product is configured as a separate project.",
		"generic questions or issues that were not answered by the documentation",
		"bug tickets – crashes and malfunctions",
		"improvement & feature requests- changes and additions to existing functionality",
		"Customer may email a problem to support@botronsoft.com.",
		"Required Information to expedite issue resolution:",
		"In Subject field: The Name and the version of the Software.",
		"Contact name(s) and company name",
		"Contact information: E-mail addresses and phone number",
		"Product information: Product license number, version/release of Software and patches",
		"Problem description: A detailed description of the problem.",
		"configuration, product name, version, and build number",
		"Error Messages: Provide accurate error messages, log files",
		"Steps to Reproduce: Provide exact steps to produce the problem",
		"Description of Recent Environment or System Changes",
	}},
	"hydra": {"001_7e21295b7c46e940.txt", []string{
		"On weekdays from 10 to 19 Moscow time (GMT +3)",
		"Off on weekends (Saturday and Sunday)",
		"and bank holidays (official Russian bank holidays)",
		"The Contractor provides 2nd line tech support.",
		"influences the reaction time.",
		"Priority can be set only to tickets of the Incident type (see below). For other types of tickets, priorities are ignored by the Contractor and can be automatically changed.",
		"Otherwise, the Contractor has the right to change the priority assigned by the Customer.",
		"The Contractor has the right to ignore a request which is not properly submitted as a ticket",
		"Processing any ticket outside business hours is charged at double rate and requires verification from both parties.",
		"In case of an issue that can be classified as Urgent, you need to create a ticket as soon as possible. After doing so, please urgently call",
		"Updates and new versions setup are rated as hours of tech support. It usually takes from 1 to 3 hours.",
	}},
	"b2bee": {"002_0d4741c13352f77b.txt", []string{
		"Degree of severity",
		"First Response Time - Availability",
		"Critical business impact - A critical situation in production",
		"Significant business impact - The main functionality is compromised",
		"Minor business impact - There is a partial, non-critical loss of service use",
		"No business impact - Inquiry about a routine technical issue",
		"First response time 1h, availability from 8-22:00",
		"B2Bee reserves the exclusive right to assess the degree of seriousness and urgency of the request made or the problem reported, and to act accordingly",
		"Support contracts are concluded for a minimum of one year",
		"The Credit represents each separate request sent to technical support",
		"Credits include questions and assistance regarding the functionality of the system",
		"Credits are not carried over to the next month",
		"No more than two Credits can be used per day",
		"The Credit can grow into a request that is paid according to the price list.",
		"1 CREDIT/month, 1 registered person",
		"5 CREDITS/month, 2 registered persons, response priority",
		"10 CREDITS/month, 3 registered persons, response priority, discount for technical support and programmer services",
	}},
	"sanarise": {"003_66b79b5d1fcb8343.txt", []string{
		"The following ticket types are covered under our SLA:",
		"Sorunları, her biri belirli yanıt ve çözüm sürelerine sahip dört öncelik seviyesine ayırıyoruz",
		"1 saat içinde", "2 saat", "4 saat", "8 saat", "7 saat", "12 saat", "72 saat", "Belirtilmedi",
		"Kritik Sorunlar", "Yüksek Öncelikli Sorunlar", "Orta Öncelikli Sorunlar", "Düşük Öncelikli Sorunlar", "Applicable Types:",
		"The resolution time for any ticket begins after the qualification stage.",
		"Note: The start of the qualification stage coincides with the initial response time",
		"Standart Destek: Destek ekibimiz, Pazartesi'den Cuma'ya, 9:00 - 18:00 saatleri arasında hizmet vermektedir.",
		"kritik sorunlarda 7/24 destek sağlıyoruz.",
		"İlk Seviye: Atanan destek temsilcinizle",
		"İkinci Seviye: Destek ekibi liderine",
		"şirket yöneticisiyle",
		"Düzenli anketlerle müşteri memnuniyeti",
		"SLA performansımızı üç ayda bir gözden geçiririz",
		"Geçen ayın performansını ve destek etkileşimlerini gözden geçiririz.",
		"If more than three issues are opened on the same day by the same client, the SLA times and ticket priorities will be reviewed",
	}},
}

// Every rule of a seed contract is quoted in its policy's comments.
func TestPoliciesQuoteTheirSeeds(t *testing.T) {
	seedDir := filepath.Join("..", "..", "shared", "seeds")
	for name, want := range seedQuotes {
		t.Run(name, func(t *testing.T) {
			comments := policyComments(t, filepath.Join("..", "deploy", "policies", name+".yaml"))
			contract := ""
			if b, err := os.ReadFile(filepath.Join(seedDir, want.seed)); err == nil {
				contract = collapse(string(b))
			}
			for _, q := range want.quotes {
				if !strings.Contains(comments, collapse(q)) {
					t.Errorf("%s.yaml does not quote %q", name, q)
				}
				if contract != "" && !strings.Contains(contract, collapse(q)) {
					t.Errorf("%q is not in the contract %s", q, want.seed)
				}
			}
		})
	}
}

// policyComments is the text of every comment of a YAML file, joined so a
// quote may run over several comment lines.
func policyComments(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			b.WriteString(strings.TrimPrefix(line, "#"))
			b.WriteByte(' ')
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return collapse(b.String())
}

// collapse folds runs of white space (and bullet marks the contracts use
// as list separators) into single spaces.
func collapse(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "•", " ")), " ")
}
