package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ClientCounter counts requests under a key in a store that every instance of a
// function shares: a Lambda function runs as many instances, each of which sees only
// its own requests, so a count kept in memory would let a client through once per
// instance. *dynamo.Limits is one (a conditional counter with a TTL).
type ClientCounter interface {
	// Take counts one request under key, whose count expires at expires, and
	// reports whether the count is still at most limit. A request over the limit
	// is not counted.
	Take(ctx context.Context, key string, limit int, expires time.Time) (bool, error)
}

// Limit is how many requests one client may send to one route in a window. Routes
// whose limits name the same Group count together (the certificate lookup's JSON and
// its page without JavaScript).
type Limit struct {
	Requests int
	Window   time.Duration
	Group    string
}

// PublicLimits are the per-client limits of PublicRoutes, for a deployment where no
// WAF limits clients in front of the API (the China layout; see PublicConfig.Limits).
// Every public POST route has one; a route added to PublicRoutes needs an entry here.
var PublicLimits = map[Route]Limit{
	{http.MethodPost, "/api/applications"}:                   {Requests: 10, Window: 10 * time.Minute},
	{http.MethodPost, "/api/join"}:                           {Requests: 10, Window: 10 * time.Minute},
	{http.MethodPost, "/api/applications/{number}/withdraw"}: {Requests: 10, Window: 10 * time.Minute},
	{http.MethodGet, "/api/applications/{number}"}:           {Requests: 120, Window: 10 * time.Minute},
	{http.MethodGet, "/api/join/thanks"}:                     {Requests: 120, Window: 10 * time.Minute},
	// Documents: 5 files, each asked for and confirmed, a few retried; export and erasure are rare.
	{http.MethodPost, "/api/applications/{number}/uploads"}:     {Requests: 20, Window: 10 * time.Minute},
	{http.MethodPost, "/api/applications/{number}/attachments"}: {Requests: 20, Window: 10 * time.Minute},
	{http.MethodPost, "/api/applications/{number}/erase"}:       {Requests: 10, Window: 10 * time.Minute},
	{http.MethodGet, "/api/applications/{number}/export"}:       {Requests: 30, Window: 10 * time.Minute},
	// Event registration: a person registers once or twice; an office behind one address
	// may register a few colleagues.
	{http.MethodPost, "/api/events/{slug}/registrations"}:               {Requests: 10, Window: 10 * time.Minute},
	{http.MethodPost, "/api/events/{slug}/register"}:                    {Requests: 10, Window: 10 * time.Minute},
	{http.MethodPost, "/api/events/{slug}/registrations/{code}/cancel"}: {Requests: 10, Window: 10 * time.Minute},
	{http.MethodGet, "/api/events/{slug}"}:                              {Requests: 300, Window: 10 * time.Minute},
	{http.MethodGet, "/api/events/{slug}/registrations/{code}"}:         {Requests: 120, Window: 10 * time.Minute},
	{http.MethodGet, "/api/events/{slug}/registered"}:                   {Requests: 120, Window: 10 * time.Minute},
	// Certificate verification (verify.go): in every layout, see LookupLimits.
	CertificateRoutes[0]: certificateLimit,
	CertificateRoutes[1]: certificateLimit,
}

// TooManyPage answers, with a page and status 429, a browser's request (a form sent
// without JavaScript) that is over its limit; wait is the time to the window's end.
type TooManyPage func(w http.ResponseWriter, r *http.Request, wait time.Duration)

// LimitClients wraps h so that each client (r.RemoteAddr: the address API Gateway saw)
// sends each route of limits at most Limit.Requests times per window (fixed windows
// aligned to the Unix epoch); the next request is a 429 with Retry-After: a page by
// page (if not nil) when the request asks for HTML, else JSON. Routes not in limits
// pass. The counts live in c; a counter that fails lets the request through
// and logs an error (the limit is a safeguard, not what keeps data correct). It belongs
// inside the handler's request-ID and CORS wrapping, so that a browser on another
// origin can read the 429.
func LimitClients(h http.Handler, c ClientCounter, limits map[Route]Limit, log *slog.Logger, now func() time.Time, page TooManyPage) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	routes := http.NewServeMux()
	byPattern := map[string]Limit{}
	for rt, l := range limits {
		routes.Handle(rt.String(), http.NotFoundHandler())
		byPattern[rt.String()] = l
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := routes.Handler(r)
		l, ok := byPattern[pattern]
		if !ok || l.Requests <= 0 || l.Window <= 0 {
			h.ServeHTTP(w, r)
			return
		}
		start := now().Truncate(l.Window)
		end := start.Add(l.Window)
		counted := pattern
		if l.Group != "" {
			counted = l.Group
		}
		key := counted + "|" + clientKey(r.RemoteAddr) + "|" + strconv.FormatInt(start.Unix(), 10)
		allowed, err := c.Take(r.Context(), key, l.Requests, end)
		if err != nil {
			log.ErrorContext(r.Context(), "client limit", "request_id", requestID(r), "route", pattern, "err", err.Error())
			allowed = true
		}
		if !allowed {
			wait := end.Sub(now())
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			if page != nil && wantsPage(r) {
				page(w, r, wait)
				return
			}
			writeError(w, r, log, &statusError{http.StatusTooManyRequests, "rate_limited", "请求过于频繁，请稍后再试"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// clientKey identifies the client of a remote address: an IPv4 address, or the /64
// network of an IPv6 address (one subscriber usually holds a whole /64). It is hashed,
// so that the counters show no address at a glance; a hash of an IPv4 address can be
// reversed by trying them all, which is why the counters also expire with their window.
func clientKey(remoteAddr string) string {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.To4() == nil {
			ip = ip.Mask(net.CIDRMask(64, 128))
		}
		host = ip.String()
	}
	sum := sha256.Sum256([]byte(host))
	return hex.EncodeToString(sum[:12])
}

// wantsPage reports whether the request is a browser's navigation (a link followed, a
// form sent), which asks for HTML; the site's scripts ask for application/json.
func wantsPage(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
