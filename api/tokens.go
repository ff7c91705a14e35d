package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/tandem-editor/tandem/services"
)

// Access by the integrator's tokens (docs/protocol.md, "Access tokens"):
// with a secret or a JWKS URL configured, every API call and WebSocket
// carries a JWT whose claims say who the user is and which rooms they may
// edit or read.

// TokenConfig says how access tokens are verified; a zero TokenConfig
// takes none.
type TokenConfig struct {
	// Secret verifies HS256 tokens (at least MinSecretBytes bytes).
	Secret string
	// JWKSURL serves the public keys of RS256, ES256 and EdDSA tokens. The
	// keys are cached, and fetched again when a token names a key id not
	// among them (at most once per jwksUnknownKeyEvery).
	JWKSURL string
	// Issuer and Audience, when set, must be the token's iss and among its aud.
	Issuer, Audience string
	// HTTPClient fetches the JWKS (nil: one with a 10 s timeout).
	HTTPClient *http.Client
	Log        *slog.Logger
}

// MinSecretBytes is the shortest HS256 secret accepted: RFC 7518 asks for
// a key as long as the hash.
const MinSecretBytes = 32

// maxTokenBytes bounds a token, in a header, a query or an auth message.
const maxTokenBytes = 8 << 10

// jwksUnknownKeyEvery bounds how often a token with an unknown key id
// makes the JWKS be fetched again; tokens that find the allowance spent
// are refused at once rather than kept waiting.
const jwksUnknownKeyEvery = 10 * time.Second

// Tokens verifies access tokens.
type Tokens struct {
	parser  *jwt.Parser
	keyfunc jwt.Keyfunc
}

// NewTokens builds the verifier cfg describes: nil when cfg sets neither a
// secret nor a JWKS URL. Setting both is an error: one issuer, one kind of
// key. With a JWKS URL, the key set is fetched before it returns (an
// unreachable JWKS is a startup error) and again every hour until ctx ends.
func NewTokens(ctx context.Context, cfg TokenConfig) (*Tokens, error) {
	opts := []jwt.ParserOption{jwt.WithExpirationRequired()}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	t := &Tokens{}
	switch {
	case cfg.Secret == "" && cfg.JWKSURL == "":
		if cfg.Issuer != "" || cfg.Audience != "" {
			return nil, errors.New("a JWT issuer or audience needs --jwt-secret or --jwks-url")
		}
		return nil, nil
	case cfg.Secret != "" && cfg.JWKSURL != "":
		return nil, errors.New("--jwt-secret and --jwks-url exclude each other: set one")
	case cfg.Secret != "":
		if len(cfg.Secret) < MinSecretBytes {
			return nil, fmt.Errorf("the JWT secret must be at least %d bytes", MinSecretBytes)
		}
		key := []byte(cfg.Secret)
		t.keyfunc = func(*jwt.Token) (any, error) { return key, nil }
		opts = append(opts, jwt.WithValidMethods([]string{"HS256"}))
	default:
		kf, err := newJWKS(ctx, cfg)
		if err != nil {
			return nil, err
		}
		t.keyfunc = kf
		opts = append(opts, jwt.WithValidMethods([]string{"RS256", "ES256", "EdDSA"}))
	}
	t.parser = jwt.NewParser(opts...)
	return t, nil
}

func newJWKS(ctx context.Context, cfg TokenConfig) (jwt.Keyfunc, error) {
	u, err := url.Parse(cfg.JWKSURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("the JWKS URL must be an http or https URL")
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	host := u.Host
	strict := false
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{cfg.JWKSURL}, keyfunc.Override{
		Client:                    client,
		HTTPTimeout:               10 * time.Second,
		NoErrorReturnFirstHTTPReq: &strict,
		RefreshInterval:           time.Hour,
		RefreshUnknownKID:         rate.NewLimiter(rate.Every(jwksUnknownKeyEvery), 1),
		RateLimitWaitMax:          time.Millisecond,
		RefreshErrorHandlerFunc: func(string) func(context.Context, error) {
			return func(_ context.Context, err error) { log.Warn("JWKS refresh failed", "host", host, "err", err) }
		},
	})
	if err != nil {
		return nil, fmt.Errorf("fetch the JWKS from %s: %w", host, err)
	}
	return kf.Keyfunc, nil
}

// grant is what a token allows in one room.
type grant uint8

const (
	grantNone grant = iota
	grantRead
	grantEdit
)

func parseGrant(s string) (grant, bool) {
	switch s {
	case "read":
		return grantRead, true
	case "edit":
		return grantEdit, true
	}
	return grantNone, false
}

// identity is a verified token: who, until when, and what they may do.
type identity struct {
	userID  string
	name    string
	expires time.Time
	rooms   map[string]grant
	create  bool
}

// tokenClaims are the claims tandem reads.
type tokenClaims struct {
	jwt.RegisteredClaims
	Name   string `json:"name"`
	Tandem struct {
		Rooms  map[string]string `json:"rooms"`
		Create bool              `json:"create"`
	} `json:"tandem"`
}

// verify checks a token and reads its claims. The errors never quote the
// token. Errors: CodeUnauthorized.
func (t *Tokens) verify(raw string) (*identity, error) {
	if raw == "" {
		return nil, services.Errorf(services.CodeUnauthorized, "this call needs an access token")
	}
	if len(raw) > maxTokenBytes {
		return nil, services.Errorf(services.CodeUnauthorized, "access token is longer than %d bytes", maxTokenBytes)
	}
	var claims tokenClaims
	if _, err := t.parser.ParseWithClaims(raw, &claims, t.keyfunc); err != nil {
		return nil, services.Errorf(services.CodeUnauthorized, "access token %s", tokenProblem(err))
	}
	if claims.Subject == "" {
		return nil, services.Errorf(services.CodeUnauthorized, "access token has no sub claim")
	}
	who := &identity{
		userID: claims.Subject, name: claims.Name, expires: claims.ExpiresAt.Time,
		rooms: make(map[string]grant, len(claims.Tandem.Rooms)), create: claims.Tandem.Create,
	}
	for room, s := range claims.Tandem.Rooms {
		g, ok := parseGrant(s)
		if !ok {
			return nil, services.Errorf(services.CodeUnauthorized, `access token grants a room neither "edit" nor "read"`)
		}
		who.rooms[room] = g
	}
	return who, nil
}

// tokenProblem says what is wrong with a token, in words that quote none of it.
func tokenProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "has expired"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "lacks a required claim (exp)"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "is not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "has the wrong issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "has the wrong audience"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "has a signature this server cannot verify"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "is malformed"
	}
	return "is not valid"
}

// grantFor is the token's access to h's room: the best of its "*" grant,
// its grant under the edit id and its grant under the read-only id, which
// gives read at most.
func (who *identity) grantFor(h *services.Handle) grant {
	g := who.rooms["*"]
	g = max(g, who.rooms[h.ID().Reveal()])
	return max(g, min(who.rooms[h.ReadOnlyID().Reveal()], grantRead))
}

// mayReach reports whether the token has any grant that could cover the
// room named id: "*", or a grant under id.
func (who *identity) mayReach(id string) bool {
	return who.rooms["*"] != grantNone || who.rooms[id] != grantNone
}

// Locals keys of a request's credentials.
const (
	identityLocal    = "tandem.identity"
	createTokenLocal = "tandem.createToken"
)

// identityOf is the verified token of the request, nil without one.
func identityOf(c *fiber.Ctx) *identity {
	who, _ := c.Locals(identityLocal).(*identity)
	return who
}

// bearer is the request's token: the Authorization header's, or on a
// WebSocket upgrade (browsers cannot set headers there) the access_token
// query parameter's.
func bearer(c *fiber.Ctx) string {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
		return ""
	}
	if websocket.IsWebSocketUpgrade(c) {
		return c.Query("access_token")
	}
	return ""
}

// isCreateToken reports whether raw is --create-token, in constant time.
func (a access) isCreateToken(raw string) bool {
	return a.createToken != "" && subtle.ConstantTimeCompare([]byte(raw), []byte(a.createToken)) == 1
}

// authenticate verifies the request's token when tokens are configured;
// the create token also passes here, for the calls that touch no room.
func (s *Server) authenticate(c *fiber.Ctx) error {
	if s.tokens == nil {
		return c.Next()
	}
	raw := bearer(c)
	if s.access.isCreateToken(raw) {
		c.Locals(createTokenLocal, true)
		return c.Next()
	}
	who, err := s.tokens.verify(raw)
	if err != nil {
		return unauthorized(c, err)
	}
	c.Locals(identityLocal, who)
	return c.Next()
}

func unauthorized(c *fiber.Ctx, err error) error {
	c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="tandem"`)
	return writeError(c, err)
}

// errReadGrant refuses a change over a read grant.
var errReadGrant = services.Errorf(services.CodeForbidden, "the access token grants only read access to this room")

// errNoRoomAccess refuses a token without a grant for the room.
var errNoRoomAccess = services.Errorf(services.CodeForbidden, "the access token grants no access to this room")

// authorizeRoom applies the request's token to the room named id: without
// tokens it does nothing; a token without a grant for the room is refused
// with forbidden (also when no such room exists, so that a token's holder
// learns nothing of rooms beyond it) and a read grant makes h read-only, as
// a read-only link would. openErr is the error opening the room gave.
func (s *Server) authorizeRoom(c *fiber.Ctx, id services.RoomID, h *services.Handle, openErr error) (*services.Handle, error) {
	if s.tokens == nil {
		return h, openErr
	}
	who := identityOf(c)
	if who == nil {
		if h != nil {
			h.Release()
		}
		return nil, services.Errorf(services.CodeUnauthorized, "this call needs an access token")
	}
	if openErr != nil {
		if !who.mayReach(id.Reveal()) {
			return nil, errNoRoomAccess
		}
		return nil, openErr
	}
	switch who.grantFor(h) {
	case grantNone:
		h.Release()
		return nil, errNoRoomAccess
	case grantRead:
		h.RestrictToRead(errReadGrant)
	}
	return h, nil
}
