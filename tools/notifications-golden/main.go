// Command notifications-golden produces test data for @rollouts/notifications: it renders notification
// templates with Go's text/template and sprig (the function map Argo's notifications-engine uses: sprig's
// TxtFuncMap without env and expandenv) over JSON inputs, and prints the results as JSON. It is a test-data
// generator, not product code.
//
// Usage: notifications-golden <configmap.yaml> <cases.json>
//
// configmap.yaml: a ConfigMap whose data has `template.<name>` keys (YAML: message plus per-service blocks).
// cases.json: {"cases": [{"name", "vars": {...}}]}; every template is rendered for every case. Numbers in vars
// become int64 when integral and float64 otherwise, as Kubernetes' unstructured converter makes them.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	texttemplate "text/template"

	"github.com/Masterminds/sprig/v3"
	"gopkg.in/yaml.v3"
)

type configMap struct {
	Data map[string]string `yaml:"data"`
}

type testCase struct {
	Name string                 `json:"name"`
	Vars map[string]interface{} `json:"vars"`
}

type cases struct {
	Cases []testCase `json:"cases"`
}

// normalize turns json.Number into int64 or float64, recursively.
func normalize(v interface{}) interface{} {
	switch x := v.(type) {
	case map[string]interface{}:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case []interface{}:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	default:
		return v
	}
}

// renderStrings renders every string leaf of a template's YAML (message and per-service blocks).
func renderStrings(path string, node interface{}, funcs texttemplate.FuncMap, vars map[string]interface{}) (interface{}, error) {
	switch x := node.(type) {
	case string:
		t, err := texttemplate.New(path).Funcs(funcs).Parse(x)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, vars); err != nil {
			return nil, err
		}
		return buf.String(), nil
	case map[string]interface{}:
		out := map[string]interface{}{}
		for k, e := range x {
			r, err := renderStrings(path+"."+k, e, funcs, vars)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []interface{}:
		out := []interface{}{}
		for i, e := range x {
			r, err := renderStrings(fmt.Sprintf("%s[%d]", path, i), e, funcs, vars)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	default:
		return node, nil
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: notifications-golden <configmap.yaml> <cases.json>")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	must(err)
	var cm configMap
	must(yaml.Unmarshal(raw, &cm))
	rawCases, err := os.ReadFile(os.Args[2])
	must(err)
	dec := json.NewDecoder(bytes.NewReader(rawCases))
	dec.UseNumber()
	var cs cases
	must(dec.Decode(&cs))

	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")

	var names []string
	for k := range cm.Data {
		if strings.HasPrefix(k, "template.") {
			names = append(names, strings.TrimPrefix(k, "template."))
		}
	}
	sort.Strings(names)

	out := map[string]map[string]interface{}{}
	for _, c := range cs.Cases {
		vars := normalize(c.Vars).(map[string]interface{})
		out[c.Name] = map[string]interface{}{}
		for _, name := range names {
			var tmpl map[string]interface{}
			must(yaml.Unmarshal([]byte(cm.Data["template."+name]), &tmpl))
			r, err := renderStrings(name, tmpl, funcs, vars)
			if err != nil {
				out[c.Name][name] = map[string]interface{}{"error": err.Error()}
				continue
			}
			out[c.Name][name] = r
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	must(enc.Encode(out))
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
