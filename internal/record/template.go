package record

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Template kinds.
const (
	KindAnamnesis = "anamnesis"
	KindEvolution = "evolution"
	KindFreeText  = "free_text"
)

// Kinds lists the template kinds.
var Kinds = []string{KindAnamnesis, KindEvolution, KindFreeText}

// Field types.
const (
	FieldText     = "text"
	FieldLongText = "long_text"
	FieldNumber   = "number"
	FieldYesNo    = "yes_no"
	FieldChoice   = "choice"
)

// FieldTypes lists the field types.
var FieldTypes = []string{FieldText, FieldLongText, FieldNumber, FieldYesNo, FieldChoice}

// Limits of templates and notes.
const (
	MaxFields     = 40
	MaxOptions    = 30
	MaxLabel      = 120
	MaxName       = 120
	MaxText       = 500
	MaxLongText   = 20000
	MaxReason     = 1000
	yes, no       = "yes", "no"
	maxTemplates  = 200
	maxKeyLength  = 40
	maxOptionText = 120
)

// Field is one field of a note template.
type Field struct {
	// Key names the field's value in a note (a-z, 0-9, _; unique).
	Key   string `json:"key"`
	Label string `json:"label"`
	// Type is text, long_text, number, yes_no or choice.
	Type     string `json:"type"`
	Required bool   `json:"required"`
	// Options are the choices of a choice field.
	Options []string `json:"options,omitempty"`
}

// Template is a clinic's note template.
type Template struct {
	ID string `json:"id"`
	// Builtin names the default it was created from ("" for the clinic's
	// own); the UI shows a default's name in the user's language.
	Builtin   string    `json:"builtin,omitempty"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	Fields    []Field   `json:"fields"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TemplateInput creates a template (every field) or changes one (only the
// fields set).
type TemplateInput struct {
	Kind   kernel.Opt[string]  `json:"kind,omitzero" nullable:"false"`
	Name   kernel.Opt[string]  `json:"name,omitzero" nullable:"false"`
	Fields kernel.Opt[[]Field] `json:"fields,omitzero" nullable:"false"`
	Active kernel.Opt[bool]    `json:"active,omitzero" nullable:"false"`
}

// Defaults are the templates every clinic starts with (in pt-BR; the UI
// names them from the catalogue, records.builtin.<builtin>.*).
var Defaults = []Template{
	{Builtin: "anamnesis", Kind: KindAnamnesis, Name: "Anamnese", Fields: []Field{
		{Key: "chief_complaint", Label: "Queixa principal", Type: FieldText, Required: true},
		{Key: "history", Label: "História da doença atual", Type: FieldLongText, Required: true},
		{Key: "past_history", Label: "Antecedentes pessoais", Type: FieldLongText},
		{Key: "medications", Label: "Medicamentos em uso", Type: FieldLongText},
		{Key: "allergies", Label: "Alergias", Type: FieldYesNo},
		{Key: "allergies_detail", Label: "Quais alergias", Type: FieldText},
	}},
	{Builtin: "evolution", Kind: KindEvolution, Name: "Evolução", Fields: []Field{
		{Key: "subjective", Label: "Subjetivo", Type: FieldLongText, Required: true},
		{Key: "objective", Label: "Objetivo", Type: FieldLongText},
		{Key: "assessment", Label: "Avaliação", Type: FieldLongText},
		{Key: "plan", Label: "Plano", Type: FieldLongText},
		{Key: "pain", Label: "Dor (0 a 10)", Type: FieldNumber},
		{Key: "progress", Label: "Evolução do quadro", Type: FieldChoice, Options: []string{"Melhora", "Estável", "Piora"}},
	}},
	{Builtin: "free_text", Kind: KindFreeText, Name: "Texto livre", Fields: []Field{
		{Key: "text", Label: "Texto", Type: FieldLongText, Required: true},
	}},
}

var (
	errTemplateRole = apperr.New(apperr.Forbidden, "Only owners and admins can manage note templates.")
	errTemplateRead = apperr.New(apperr.Forbidden, "Your role cannot see note templates.")
	errTemplateNF   = apperr.New(apperr.NotFound, "Note template not found.")
	errTemplateOff  = apperr.New(apperr.Conflict, "This note template is inactive.")
	fieldKey        = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// canReadTemplates: templates are configuration that clinical roles use
// and managers manage.
func canReadTemplates(r kernel.Role) bool { return Clinical(r) || r.ManagesClinic() }

// EnsureDefaults creates the clinic's default templates, once (a default
// the clinic changed or turned off stays as the clinic left it).
func (s *Service) EnsureDefaults(ctx context.Context, clinicID string) error {
	now := db.Time(s.now())
	for _, t := range Defaults {
		fields, _ := json.Marshal(t.Fields)
		if _, err := s.db.ExecContext(ctx, `INSERT INTO note_templates (id, clinic_id, builtin, kind, name, fields, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $7) ON CONFLICT (clinic_id, builtin) WHERE builtin <> '' DO NOTHING`,
			kernel.NewID(), clinicID, t.Builtin, t.Kind, t.Name, string(fields), now); err != nil {
			return fmt.Errorf("record: default templates: %w", err)
		}
	}
	return nil
}

const templateColumns = `id, builtin, kind, name, fields, active, created_at, updated_at`

func scanTemplate(row interface{ Scan(...any) error }) (Template, error) {
	var t Template
	var fields string
	if err := row.Scan(&t.ID, &t.Builtin, &t.Kind, &t.Name, &fields, &t.Active, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return Template{}, err
	}
	if err := json.Unmarshal([]byte(fields), &t.Fields); err != nil {
		return Template{}, fmt.Errorf("record: template %s fields: %w", t.ID, err)
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, nil
}

// Templates lists the clinic's note templates by name (the defaults are
// created on first use). Owners, admins and professionals.
func (s *Service) Templates(ctx context.Context, p kernel.Principal) ([]Template, error) {
	if !canReadTemplates(p.Role) {
		return nil, errTemplateRead
	}
	if err := s.EnsureDefaults(ctx, p.ClinicID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+templateColumns+` FROM note_templates WHERE clinic_id = $1 ORDER BY name, id LIMIT $2`,
		p.ClinicID, maxTemplates)
	if err != nil {
		return nil, fmt.Errorf("record: templates: %w", err)
	}
	defer rows.Close()
	out := []Template{}
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Template returns one of the clinic's templates.
func (s *Service) Template(ctx context.Context, p kernel.Principal, id string) (Template, error) {
	if !canReadTemplates(p.Role) {
		return Template{}, errTemplateRead
	}
	return s.template(ctx, s.db, p.ClinicID, id)
}

func (s *Service) template(ctx context.Context, q queryer, clinicID, id string) (Template, error) {
	if !kernel.IsID(id) {
		return Template{}, errTemplateNF
	}
	t, err := scanTemplate(q.QueryRowContext(ctx, `SELECT `+templateColumns+` FROM note_templates WHERE clinic_id = $1 AND id = $2`, clinicID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Template{}, errTemplateNF
	}
	return t, err
}

// CreateTemplate adds a template (owners and admins); kind, name and
// fields are required.
func (s *Service) CreateTemplate(ctx context.Context, p kernel.Principal, in TemplateInput) (Template, error) {
	if !p.ManagesClinic() {
		return Template{}, errTemplateRole
	}
	t := Template{ID: kernel.NewID(), Active: true}
	bad := map[string]string{}
	for name, set := range map[string]bool{"kind": in.Kind.Set, "name": in.Name.Set, "fields": in.Fields.Set} {
		if !set {
			bad[name] = "Required."
		}
	}
	applyTemplate(&t, in, bad)
	if len(bad) > 0 {
		return Template{}, apperr.Validation(bad)
	}
	t.CreatedAt = db.Time(s.now())
	t.UpdatedAt = t.CreatedAt
	fields, _ := json.Marshal(t.Fields)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO note_templates (id, clinic_id, builtin, kind, name, fields, active, created_at, updated_at)
			VALUES ($1, $2, '', $3, $4, $5, $6, $7, $7)`, t.ID, p.ClinicID, t.Kind, t.Name, string(fields), t.Active, t.CreatedAt); err != nil {
			return fmt.Errorf("record: create template: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, EntityTemplate, t.ID, "")
	})
	if err != nil {
		return Template{}, err
	}
	return t, nil
}

// UpdateTemplate changes a template (owners and admins). Notes already
// written keep the fields they were written with.
func (s *Service) UpdateTemplate(ctx context.Context, p kernel.Principal, id string, in TemplateInput) (Template, error) {
	if !p.ManagesClinic() {
		return Template{}, errTemplateRole
	}
	var t Template
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if t, err = s.template(ctx, tx, p.ClinicID, id); err != nil {
			return err
		}
		bad := map[string]string{}
		applyTemplate(&t, in, bad)
		if len(bad) > 0 {
			return apperr.Validation(bad)
		}
		t.UpdatedAt = db.Time(s.now())
		fields, _ := json.Marshal(t.Fields)
		if _, err := tx.ExecContext(ctx, `UPDATE note_templates SET kind = $3, name = $4, fields = $5, active = $6, updated_at = $7
			WHERE clinic_id = $1 AND id = $2`, p.ClinicID, t.ID, t.Kind, t.Name, string(fields), t.Active, t.UpdatedAt); err != nil {
			return fmt.Errorf("record: update template: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, EntityTemplate, t.ID, "")
	})
	if err != nil {
		return Template{}, err
	}
	return t, nil
}

// applyTemplate sets in's fields on t, recording what is wrong in bad.
func applyTemplate(t *Template, in TemplateInput, bad map[string]string) {
	if v, ok := in.Kind.Value(); ok {
		if !slices.Contains(Kinds, v) {
			bad["kind"] = "Must be anamnesis, evolution or free_text."
		}
		t.Kind = v
	}
	if v, ok := in.Name.Value(); ok {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
			bad["name"] = "Required."
		case len([]rune(v)) > MaxName:
			bad["name"] = fmt.Sprintf("Must be at most %d characters.", MaxName)
		}
		t.Name = v
	}
	if v, ok := in.Fields.Value(); ok {
		t.Fields = checkFields(v, bad)
	}
	if v, ok := in.Active.Value(); ok {
		t.Active = v
	}
}

// checkFields validates a template's fields, under fields.N.name.
func checkFields(in []Field, bad map[string]string) []Field {
	if len(in) == 0 {
		bad["fields"] = "Add at least one field."
	}
	if len(in) > MaxFields {
		bad["fields"] = fmt.Sprintf("At most %d fields.", MaxFields)
		return in
	}
	out := make([]Field, 0, len(in))
	seen := map[string]bool{}
	for i, f := range in {
		at := "fields." + strconv.Itoa(i) + "."
		f.Key, f.Label = strings.TrimSpace(f.Key), strings.TrimSpace(f.Label)
		switch {
		case !fieldKey.MatchString(f.Key) || len(f.Key) > maxKeyLength:
			bad[at+"key"] = "Must be lower-case letters, digits and _, starting with a letter (at most 40)."
		case seen[f.Key]:
			bad[at+"key"] = "Another field has this key."
		}
		seen[f.Key] = true
		switch {
		case f.Label == "":
			bad[at+"label"] = "Required."
		case len([]rune(f.Label)) > MaxLabel:
			bad[at+"label"] = fmt.Sprintf("Must be at most %d characters.", MaxLabel)
		}
		if !slices.Contains(FieldTypes, f.Type) {
			bad[at+"type"] = "Must be text, long_text, number, yes_no or choice."
		}
		var opts []string
		for _, o := range f.Options {
			if o = strings.TrimSpace(o); o != "" && !slices.Contains(opts, o) {
				opts = append(opts, o)
			}
		}
		f.Options = nil
		if f.Type == FieldChoice {
			f.Options = opts
			switch {
			case len(opts) < 2:
				bad[at+"options"] = "A choice needs at least two options."
			case len(opts) > MaxOptions:
				bad[at+"options"] = fmt.Sprintf("At most %d options.", MaxOptions)
			}
			for _, o := range opts {
				if len([]rune(o)) > maxOptionText {
					bad[at+"options"] = fmt.Sprintf("Must be at most %d characters.", maxOptionText)
				}
			}
		}
		out = append(out, f)
	}
	return out
}

// checkValues validates a note's values against fields: every key known,
// required ones filled, each of its type. It returns the values kept
// (trimmed; empty ones left out).
func checkValues(fields []Field, in map[string]string) (map[string]string, map[string]string) {
	bad := map[string]string{}
	out := map[string]string{}
	known := map[string]bool{}
	for _, f := range fields {
		known[f.Key] = true
		at := "values." + f.Key
		v := strings.TrimSpace(strings.ReplaceAll(in[f.Key], "\r\n", "\n"))
		if v == "" {
			if f.Required {
				bad[at] = "Required."
			}
			continue
		}
		switch f.Type {
		case FieldText:
			if len([]rune(v)) > MaxText || strings.Contains(v, "\n") {
				bad[at] = fmt.Sprintf("Must be one line of at most %d characters.", MaxText)
			}
		case FieldLongText:
			if len([]rune(v)) > MaxLongText {
				bad[at] = fmt.Sprintf("Must be at most %d characters.", MaxLongText)
			}
		case FieldNumber:
			n, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
			if err != nil || n != n || n > 1e9 || n < -1e9 {
				bad[at] = "Must be a number such as 7 or 7.5."
			} else {
				v = strconv.FormatFloat(n, 'f', -1, 64)
			}
		case FieldYesNo:
			if v != yes && v != no {
				bad[at] = "Must be yes or no."
			}
		case FieldChoice:
			if !slices.Contains(f.Options, v) {
				bad[at] = "Must be one of the options."
			}
		}
		if msg := kernel.CheckText(v, true); msg != "" {
			bad[at] = msg
		}
		out[f.Key] = v
	}
	for k := range in {
		if !known[k] {
			bad["values."+k] = "Unknown field."
		}
	}
	return out, bad
}
