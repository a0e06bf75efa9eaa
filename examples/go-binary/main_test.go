package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCreateAndFollowLink(t *testing.T) {
	s := newStore()
	mux := newMux(s)

	rec := httptest.NewRecorder()
	body := strings.NewReader(`{"url":"https://example.com/docs"}`)
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/links", body))
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST /links: got %d, want %d", rec.Code, http.StatusCreated)
	}

	code := ""
	for k := range s.links {
		code = k
	}
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+code, nil))
	if rec.Code != http.StatusFound {
		t.Fatalf("GET /%s: got %d, want %d", code, rec.Code, http.StatusFound)
	}
	if got := rec.Header().Get("Location"); got != "https://example.com/docs" {
		t.Fatalf("Location: got %q", got)
	}
}
