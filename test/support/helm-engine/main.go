// Renders files the way Helm renders a chart's templates/: Go's text/template, each file parsed
// as a template named after its path, option missingkey=zero, executed with Helm's top-level
// objects. Sprig's functions are not loaded, so a template that calls one fails to parse, which
// the caller sees as an error. Input on stdin: JSON [{"name": ..., "content": ...}]; output on
// stdout: JSON [{"name": ..., "output": ..., "error": ...}].
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"text/template"
)

type file struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

type result struct {
	Name   string `json:"name"`
	Output string `json:"output"`
	Error  string `json:"error,omitempty"`
}

func main() {
	var files []file
	if err := json.NewDecoder(os.Stdin).Decode(&files); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(2)
	}
	values := map[string]interface{}{
		"Values":   map[string]interface{}{},
		"Release":  map[string]interface{}{"Name": "release", "Namespace": "default", "Service": "Helm"},
		"Chart":    map[string]interface{}{"Name": "chart", "Version": "0.1.0"},
		"Capabilities": map[string]interface{}{},
	}
	results := make([]result, 0, len(files))
	for _, f := range files {
		r := result{Name: f.Name}
		t, err := template.New(f.Name).Option("missingkey=zero").Parse(f.Content)
		if err != nil {
			r.Error = err.Error()
		} else {
			var out bytes.Buffer
			if err := t.Execute(&out, values); err != nil {
				r.Error = err.Error()
			} else {
				r.Output = out.String()
			}
		}
		results = append(results, r)
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		os.Exit(2)
	}
}
