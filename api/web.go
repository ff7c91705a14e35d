package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"mime"
	"path"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// notBuilt is served when the binary was built without the browser app.
const notBuilt = `<!doctype html><meta charset="utf-8"><title>tandem</title>
<p>The tandem server is running, but this binary was built without the browser app.
Run <code>make run</code> (it builds the app first), or use the API under <code>/api</code>.</p>`

// Cache policies of the browser app's files. Names under assets/ carry a hash
// of their content (Vite's build), so they never change; everything else
// (index.html, favicon.svg) is revalidated on every use against its ETag.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// An encoding is a precompressed variant the build writes next to a file
// (scripts/compress.mjs): name.br and name.gz. Preferred first.
var encodings = []struct{ token, suffix string }{{"br", ".br"}, {"gzip", ".gz"}}

// webFile is what the server knows of one file of the app, read once at
// start: its type, cache policy, and for each representation (identity, br,
// gzip) the file that holds it, its size and its ETag. The bytes themselves
// stay in the file system (embedded in the binary) and are streamed.
type webFile struct {
	contentType string
	cache       string
	variants    map[string]webVariant // by content coding; "" is identity
}

type webVariant struct {
	name string // path in the file system
	size int64
	etag string
}

// webFiles indexes the app's file system: every file except the precompressed
// variants, which are attached to the file they compress.
func webFiles(fsys fs.FS) (map[string]*webFile, error) {
	files := map[string]*webFile{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, e := range encodings {
			if strings.HasSuffix(name, e.suffix) {
				if _, err := fs.Stat(fsys, strings.TrimSuffix(name, e.suffix)); err == nil {
					return nil // a variant; indexed with its original below
				}
			}
		}
		f := &webFile{contentType: contentType(name), cache: cacheRevalidate, variants: map[string]webVariant{}}
		if strings.HasPrefix(name, "assets/") {
			f.cache = cacheImmutable
		}
		v, err := readVariant(fsys, name, "")
		if err != nil {
			return err
		}
		f.variants[""] = v
		for _, e := range encodings {
			v, err := readVariant(fsys, name+e.suffix, e.token)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			f.variants[e.token] = v
		}
		files[name] = f
		return nil
	})
	return files, err
}

// readVariant hashes one representation for its ETag: a strong validator
// per representation, so a cache never mixes a brotli body with a gzip one.
func readVariant(fsys fs.FS, name, coding string) (webVariant, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return webVariant{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return webVariant{}, err
	}
	tag := hex.EncodeToString(h.Sum(nil)[:12])
	if coding != "" {
		tag += "-" + coding
	}
	return webVariant{name: name, size: n, etag: `"` + tag + `"`}, nil
}

func contentType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// acceptedCoding picks the representation for an Accept-Encoding header: the
// first of br, gzip that the file has and the client accepts (q > 0), else
// identity. "*" accepts any coding not named.
func (f *webFile) acceptedCoding(header string) string {
	q := map[string]float64{}
	for _, part := range strings.Split(header, ",") {
		token, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		token = strings.ToLower(strings.TrimSpace(token))
		if token == "" {
			continue
		}
		weight := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			if w, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				weight = w
			}
		}
		q[token] = weight
	}
	for _, e := range encodings {
		if _, ok := f.variants[e.token]; !ok {
			continue
		}
		w, named := q[e.token]
		if !named {
			w, named = q["*"]
		}
		if named && w > 0 {
			return e.token
		}
	}
	return ""
}

// mountWeb serves the browser app: its files with the precompressed variant
// the client accepts, hashed assets cached for a year, index.html and the
// other files revalidated by ETag (304 when unchanged); index.html for every
// other path outside /assets (the app routes /rooms/{id} itself).
func (s *Server) mountWeb() {
	files, err := webFiles(s.web)
	index := files["index.html"]
	if err != nil || index == nil {
		if err != nil {
			s.log.Error("browser app not served", "err", err)
		}
		s.app.Get("/*", func(c *fiber.Ctx) error {
			return c.Type("html").SendString(notBuilt)
		})
		return
	}
	s.app.Get("/*", func(c *fiber.Ctx) error {
		name := strings.TrimPrefix(path.Clean("/"+c.Params("*")), "/")
		f := files[name]
		if f == nil {
			if strings.HasPrefix(name, "assets/") {
				return fiber.ErrNotFound // a missing chunk is not the app
			}
			f = index
		}
		return s.sendWebFile(c, f)
	})
}

func (s *Server) sendWebFile(c *fiber.Ctx, f *webFile) error {
	coding := f.acceptedCoding(c.Get(fiber.HeaderAcceptEncoding))
	v := f.variants[coding]
	c.Set(fiber.HeaderContentType, f.contentType)
	c.Set(fiber.HeaderCacheControl, f.cache)
	c.Set(fiber.HeaderETag, v.etag)
	if len(f.variants) > 1 {
		c.Vary(fiber.HeaderAcceptEncoding)
	}
	if coding != "" {
		c.Set(fiber.HeaderContentEncoding, coding)
	}
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), v.etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	file, err := s.web.Open(v.name)
	if err != nil {
		return err
	}
	// SendStream closes the file once the body is written.
	return c.SendStream(file, int(v.size))
}

// etagMatches reports whether an If-None-Match header names etag (weak
// comparison, as RFC 9110 asks for If-None-Match).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for _, t := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == etag {
			return true
		}
	}
	return false
}
