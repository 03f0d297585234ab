// A reference writer in Go: it marshals events with structs shaped like GO
// Feature Flag's exporter.FeatureEvent and exporter.TrackingEvent (the field
// order and json tags of SPEC §2) and signs the body as its webhook exporter
// does, so the TypeScript serializer can be compared with Go's encoding/json.
//
// Input (stdin): {"secret": "...", "meta": {...}, "events": [...]}
// Output (stdout): the signature (sha256=<hex>) on the first line, then the body's exact bytes.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
)

type FeatureEvent struct {
	Kind         string                 `json:"kind"`
	ContextKind  string                 `json:"contextKind,omitempty"`
	UserKey      string                 `json:"userKey"`
	CreationDate int64                  `json:"creationDate"`
	Key          string                 `json:"key"`
	Variation    string                 `json:"variation"`
	Value        interface{}            `json:"value"`
	Default      bool                   `json:"default"`
	Version      string                 `json:"version"`
	Source       string                 `json:"source"`
	Metadata     map[string]interface{} `json:"metadata,omitempty"`
}

type TrackingEvent struct {
	Kind                 string                 `json:"kind"`
	ContextKind          string                 `json:"contextKind,omitempty"`
	UserKey              string                 `json:"userKey"`
	CreationDate         int64                  `json:"creationDate"`
	Key                  string                 `json:"key"`
	EvaluationContext    map[string]interface{} `json:"evaluationContext"`
	TrackingEventDetails map[string]interface{} `json:"trackingEventDetails"`
}

type webhookPayload struct {
	Meta   map[string]string `json:"meta"`
	Events []interface{}     `json:"events"`
}

type input struct {
	Secret string            `json:"secret"`
	Meta   map[string]string `json:"meta"`
	Events []json.RawMessage `json:"events"`
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	payload := webhookPayload{Meta: in.Meta, Events: []interface{}{}}
	for _, raw := range in.Events {
		var head struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			panic(err)
		}
		if head.Kind == "tracking" {
			var event TrackingEvent
			if err := json.Unmarshal(raw, &event); err != nil {
				panic(err)
			}
			payload.Events = append(payload.Events, event)
		} else {
			var event FeatureEvent
			if err := json.Unmarshal(raw, &event); err != nil {
				panic(err)
			}
			payload.Events = append(payload.Events, event)
		}
	}
	body, err := json.Marshal(payload)
	if err != nil {
		panic(err)
	}
	mac := hmac.New(sha256.New, []byte(in.Secret))
	mac.Write(body)
	os.Stdout.WriteString("sha256=" + hex.EncodeToString(mac.Sum(nil)) + "\n")
	os.Stdout.Write(body)
}
