package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/api"
)

// webApp is a built app in miniature: index.html, a hashed script with its
// brotli and gzip variants, a hashed stylesheet with gzip only, and a public
// file.
func webApp() fstest.MapFS {
	return fstest.MapFS{
		"index.html":                {Data: []byte("<!doctype html><title>tandem</title>")},
		"favicon.svg":               {Data: []byte("<svg/>")},
		"assets/index-AbC123.js":    {Data: []byte("console.log('identity')")},
		"assets/index-AbC123.js.br": {Data: []byte("BROTLI")},
		"assets/index-AbC123.js.gz": {Data: []byte("GZIP")},
		"assets/app-XyZ.css":        {Data: []byte("body{}")},
		"assets/app-XyZ.css.gz":     {Data: []byte("GZCSS")},
	}
}

type webResponse struct {
	status                                   int
	body, encoding, cache, vary, etag, ctype string
}

func getWeb(t *testing.T, srv *api.Server, method, path string, headers map[string]string) webResponse {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := srv.App().Test(req, -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return webResponse{
		status: resp.StatusCode, body: string(b), encoding: resp.Header.Get("Content-Encoding"), cache: resp.Header.Get("Cache-Control"),
		vary: resp.Header.Get("Vary"), etag: resp.Header.Get("ETag"), ctype: resp.Header.Get("Content-Type"),
	}
}

func TestWebServesPrecompressedAssets(t *testing.T) {
	srv := newAPI(t, api.Options{Web: webApp()})
	const immutable = "public, max-age=31536000, immutable"
	tests := []struct {
		name, path, accept           string
		wantBody, wantEnc, wantCache string
		wantVary                     bool
	}{
		{"brotli preferred", "/assets/index-AbC123.js", "gzip, deflate, br", "BROTLI", "br", immutable, true},
		{"gzip when brotli is not accepted", "/assets/index-AbC123.js", "gzip", "GZIP", "gzip", immutable, true},
		{"brotli refused with q=0", "/assets/index-AbC123.js", "br;q=0, gzip;q=0.5", "GZIP", "gzip", immutable, true},
		{"wildcard accepts brotli", "/assets/index-AbC123.js", "*", "BROTLI", "br", immutable, true},
		{"wildcard refused, identity", "/assets/index-AbC123.js", "*;q=0", "console.log('identity')", "", immutable, true},
		{"no header, identity", "/assets/index-AbC123.js", "", "console.log('identity')", "", immutable, true},
		{"only gzip exists", "/assets/app-XyZ.css", "br, gzip", "GZCSS", "gzip", immutable, true},
		{"only gzip exists, brotli asked", "/assets/app-XyZ.css", "br", "body{}", "", immutable, true},
		{"index revalidates", "/", "br, gzip", "<!doctype html><title>tandem</title>", "", "no-cache", false},
		{"room path is the app", "/rooms/abc", "br", "<!doctype html><title>tandem</title>", "", "no-cache", false},
		{"public file revalidates", "/favicon.svg", "", "<svg/>", "", "no-cache", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := getWeb(t, srv, http.MethodGet, tt.path, map[string]string{"Accept-Encoding": tt.accept})
			require.Equal(t, http.StatusOK, got.status)
			require.Equal(t, tt.wantBody, got.body)
			require.Equal(t, tt.wantEnc, got.encoding)
			require.Equal(t, tt.wantCache, got.cache)
			require.NotEmpty(t, got.etag)
			if tt.wantVary {
				require.Equal(t, "Accept-Encoding", got.vary)
			} else {
				require.Empty(t, got.vary)
			}
		})
	}
}

func TestWebTypesAndMissingAssets(t *testing.T) {
	srv := newAPI(t, api.Options{Web: webApp()})
	got := getWeb(t, srv, http.MethodGet, "/assets/index-AbC123.js", map[string]string{"Accept-Encoding": "br"})
	require.Contains(t, got.ctype, "javascript", "the type is the original's, not the variant's")
	require.Contains(t, getWeb(t, srv, http.MethodGet, "/", nil).ctype, "text/html")
	require.Equal(t, http.StatusNotFound, getWeb(t, srv, http.MethodGet, "/assets/gone-Old999.js", nil).status, "a missing chunk is a 404, not the app")
	require.Equal(t, http.StatusNotFound, getWeb(t, srv, http.MethodGet, "/assets/index-AbC123.js.br", nil).status, "variants are not files of their own")
}

func TestWebRevalidation(t *testing.T) {
	srv := newAPI(t, api.Options{Web: webApp()})
	first := getWeb(t, srv, http.MethodGet, "/rooms/abc", nil)
	tests := []struct {
		name, ifNoneMatch string
		want              int
	}{
		{"same etag", first.etag, http.StatusNotModified},
		{"weak form", "W/" + first.etag, http.StatusNotModified},
		{"in a list", `"other", ` + first.etag, http.StatusNotModified},
		{"star", "*", http.StatusNotModified},
		{"other etag", `"other"`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := getWeb(t, srv, http.MethodGet, "/", map[string]string{"If-None-Match": tt.ifNoneMatch})
			require.Equal(t, tt.want, got.status)
			require.Equal(t, first.etag, got.etag)
			if tt.want == http.StatusNotModified {
				require.Empty(t, got.body)
			}
		})
	}
	br := getWeb(t, srv, http.MethodGet, "/assets/index-AbC123.js", map[string]string{"Accept-Encoding": "br"})
	gz := getWeb(t, srv, http.MethodGet, "/assets/index-AbC123.js", map[string]string{"Accept-Encoding": "gzip"})
	require.NotEqual(t, br.etag, gz.etag, "each representation has its own validator")
	again := getWeb(t, srv, http.MethodGet, "/assets/index-AbC123.js", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": br.etag})
	require.Equal(t, http.StatusOK, again.status, "a brotli validator does not validate the gzip body")
	require.Equal(t, "GZIP", again.body)
}

func TestWebHead(t *testing.T) {
	srv := newAPI(t, api.Options{Web: webApp()})
	got := getWeb(t, srv, http.MethodHead, "/assets/index-AbC123.js", map[string]string{"Accept-Encoding": "br"})
	require.Equal(t, http.StatusOK, got.status)
	require.Equal(t, "br", got.encoding)
	require.Empty(t, got.body)
}

func TestWebNotBuilt(t *testing.T) {
	srv := newAPI(t, api.Options{Web: fstest.MapFS{".keep": {}}})
	got := getWeb(t, srv, http.MethodGet, "/rooms/abc", nil)
	require.Equal(t, http.StatusOK, got.status)
	require.Contains(t, got.body, "built without the browser app")
}
