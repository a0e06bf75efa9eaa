// Command shortlink serves a tiny in-memory URL shortener.
package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

type store struct {
	mu    sync.RWMutex
	links map[string]string
}

func newStore() *store {
	return &store{links: make(map[string]string)}
}

func (s *store) put(target string) (string, error) {
	buf := make([]byte, 6)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	code := base64.RawURLEncoding.EncodeToString(buf)
	s.mu.Lock()
	s.links[code] = target
	s.mu.Unlock()
	return code, nil
}

func (s *store) get(code string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	target, ok := s.links[code]
	return target, ok
}

func newMux(s *store) *http.ServeMux {
	mux := http.NewServeMux()

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})

	mux.HandleFunc("POST /links", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			URL string `json:"url"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "invalid JSON body", http.StatusBadRequest)
			return
		}
		if u, err := url.ParseRequestURI(req.URL); err != nil || u.Host == "" {
			http.Error(w, "url must be absolute", http.StatusBadRequest)
			return
		}
		code, err := s.put(req.URL)
		if err != nil {
			http.Error(w, "could not create link", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]string{"code": code})
	})

	mux.HandleFunc("GET /{code}", func(w http.ResponseWriter, r *http.Request) {
		target, ok := s.get(r.PathValue("code"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, target, http.StatusFound)
	})

	return mux
}

func main() {
	addr := ":8080"
	if port := os.Getenv("PORT"); port != "" {
		addr = ":" + port
	}

	srv := &http.Server{
		Addr:              addr,
		Handler:           newMux(newStore()),
		ReadHeaderTimeout: 5 * time.Second,
	}
	log.Printf("shortlink listening on %s", addr)
	log.Fatal(srv.ListenAndServe())
}
