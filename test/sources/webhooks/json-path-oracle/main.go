// Command jsonpath-oracle evaluates JSONPath expressions exactly as Kelos's generic
// webhooks do (github.com/PaesslerAG/jsonpath v0.1.1, jsonpath.Get, then
// fmt.Sprintf("%v", value)) so the TypeScript evaluator can be compared with it.
//
// Input: one JSON object per line, {"paths": [string...], "document": any}
// (or {"path": string, "document": any}). The document is decoded with
// encoding/json into interface{}, as Kelos decodes a webhook body.
// Output: one JSON line per input line, {"results": [result...]}, where a result is
//
//	{"kind": "parse-error", "error": msg}  jsonpath.Get failed with "parsing error:" (Kelos: malformed spec)
//	{"kind": "missing", "error": msg}      any other error (Kelos: the field is missing)
//	{"kind": "value", "text": %v, "json": encoding/json of the value}
//	{"kind": "panic", "error": msg}        the library panicked
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/PaesslerAG/jsonpath"
)

type request struct {
	Path     *string         `json:"path"`
	Paths    []string        `json:"paths"`
	Document json.RawMessage `json:"document"`
}

type result struct {
	Kind  string          `json:"kind"`
	Error string          `json:"error,omitempty"`
	Text  *string         `json:"text,omitempty"`
	JSON  json.RawMessage `json:"json,omitempty"`
}

func evaluate(path string, document interface{}) (r result) {
	defer func() {
		if p := recover(); p != nil {
			r = result{Kind: "panic", Error: fmt.Sprint(p)}
		}
	}()
	value, err := jsonpath.Get(path, document)
	if err != nil {
		if strings.HasPrefix(err.Error(), "parsing error:") {
			return result{Kind: "parse-error", Error: err.Error()}
		}
		return result{Kind: "missing", Error: err.Error()}
	}
	text := fmt.Sprintf("%v", value)
	r = result{Kind: "value", Text: &text}
	if encoded, err := json.Marshal(value); err == nil {
		r.JSON = encoded
	}
	return r
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<30)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	encoder := json.NewEncoder(out)
	encoder.SetEscapeHTML(false)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintf(os.Stderr, "jsonpath-oracle: bad request line: %v\n", err)
			os.Exit(2)
		}
		var document interface{}
		if len(req.Document) > 0 {
			if err := json.Unmarshal(req.Document, &document); err != nil {
				fmt.Fprintf(os.Stderr, "jsonpath-oracle: bad document: %v\n", err)
				os.Exit(2)
			}
		}
		paths := req.Paths
		if req.Path != nil {
			paths = append([]string{*req.Path}, paths...)
		}
		results := make([]result, len(paths))
		for i, path := range paths {
			results[i] = evaluate(path, document)
		}
		if err := encoder.Encode(map[string]interface{}{"results": results}); err != nil {
			fmt.Fprintf(os.Stderr, "jsonpath-oracle: %v\n", err)
			os.Exit(2)
		}
		out.Flush()
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "jsonpath-oracle: reading stdin: %v\n", err)
		os.Exit(2)
	}
}
