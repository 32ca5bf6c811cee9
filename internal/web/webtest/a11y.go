package webtest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"

	"clinic/internal/web/webtest/axe"
)

// axeTags are the axe-core rule tags that [Page.Axe] runs: WCAG 2.0, 2.1
// and 2.2, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"}

// AxeViolation is one rule of axe-core that the page breaks.
type AxeViolation struct {
	ID      string    `json:"id"`     // the rule, such as "label" or "color-contrast"
	Impact  string    `json:"impact"` // minor, moderate, serious or critical
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []AxeNode `json:"nodes"`
}

// AxeNode is one element that breaks a rule.
type AxeNode struct {
	Target         []string `json:"target"` // CSS selectors of the element
	HTML           string   `json:"html"`
	FailureSummary string   `json:"failureSummary"`
}

// Serious reports whether the violation fails [Page.Axe]: impact serious or
// critical.
func (v AxeViolation) Serious() bool { return v.Impact == "serious" || v.Impact == "critical" }

// Axe runs axe-core over the page as it is now, with the WCAG 2 A and AA
// rules, and fails the test when it finds a violation of impact serious or
// critical, listing each rule, its help and the elements.
func (p *Page) Axe() {
	p.t.Helper()
	if bad := seriousViolations(p.AxeViolations()); len(bad) > 0 {
		p.t.Error(formatViolations(p.URL(), bad))
	}
}

// AxeViolations runs axe-core over the page as [Page.Axe] does and returns
// every violation, whatever its impact.
func (p *Page) AxeViolations() []AxeViolation {
	p.t.Helper()
	var loaded bool
	p.Eval(`typeof window.axe === "object"`, &loaded)
	if !loaded {
		Result(p, "inject axe-core", chromedp.Evaluate[chromedp.Void](axe.Source))
	}
	tags, _ := json.Marshal(axeTags)
	var vs []AxeViolation
	p.Eval(fmt.Sprintf(`axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]})
		.then(r => r.violations.map(v => ({
			id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({
				target: n.target.map(s => Array.isArray(s) ? s.join(" >>> ") : String(s)),
				html: n.html, failureSummary: n.failureSummary || "",
			})),
		})))`, tags), &vs)
	return vs
}

func seriousViolations(vs []AxeViolation) []AxeViolation {
	var out []AxeViolation
	for _, v := range vs {
		if v.Serious() {
			out = append(out, v)
		}
	}
	return out
}

func formatViolations(url string, vs []AxeViolation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "webtest: axe-core found %d serious or critical accessibility violation(s) on %s:", len(vs), url)
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  %s (%s): %s\n    %s", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    - %s", strings.Join(n.Target, ", "))
			if n.FailureSummary != "" {
				fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(n.FailureSummary, "\n", "\n      "))
			}
		}
	}
	return b.String()
}
