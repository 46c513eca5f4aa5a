// Package devprovider is the development OpenID Connect provider of
// `alliance serve` and the tests: zitadel/oidc's op package (discovery,
// authorization with PKCE, token, keys) over an in-memory storage, with a
// small Chinese sign-in page where one picks a role and a display name. The
// console signs in through it exactly as through the alliance's real issuer;
// only its address (http://127.0.0.1:PORT) differs. The deployed functions
// never import it.
package devprovider

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/smelisting/alliance/functions/membership"
)

// Config says whom the provider serves.
type Config struct {
	Issuer       string            // its own URL: http://127.0.0.1:PORT
	ClientID     string            // the console's client ID, which is the audience the admin API checks
	ClientSecret string            // the console's secret (client_secret_basic)
	RedirectURIs []string          // the console's callbacks: …/api/admin/signin/callback
	Key          *ecdsa.PrivateKey // the ES256 signing key
	KeyID        string
	Log          *slog.Logger // nil: discard
}

// Roles are the roles one may pick on the sign-in page, in its order.
var Roles = []string{membership.RoleSecretariat, membership.RoleChair, membership.RoleSupervisor}

// Provider is the development OpenID provider; it is an http.Handler.
type Provider struct {
	op    *op.Provider
	store *storage
	mux   *http.ServeMux
}

// New returns the provider of cfg.
func New(cfg Config) (*Provider, error) {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st := newStorage(cfg)
	var cryptoKey [32]byte
	copy(cryptoKey[:], randomBytes(32))
	p, err := op.NewProvider(&op.Config{
		CryptoKey:          cryptoKey,
		CodeMethodS256:     true,
		SupportedUILocales: []language.Tag{language.SimplifiedChinese},
	}, st, op.StaticIssuer(cfg.Issuer), op.WithAllowInsecure(), op.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("devprovider: %w", err)
	}
	dp := &Provider{op: p, store: st, mux: http.NewServeMux()}
	intercept := op.NewIssuerInterceptor(p.IssuerFromRequest)
	dp.mux.HandleFunc("GET "+loginPath, dp.loginPage)
	dp.mux.HandleFunc("POST "+loginPath, intercept.HandlerFunc(dp.login))
	dp.mux.Handle("/", p)
	return dp, nil
}

// ServeHTTP serves the provider's endpoints and its sign-in page.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	p.mux.ServeHTTP(w, r)
}

// loginPath is the sign-in page the authorization endpoint sends the browser to.
const loginPath = "/login"

var page = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>开发用登录 · 中小企业上市服务联盟</title>
</head>
<body>
<main>
<h1>开发用登录</h1>
<p>这是 <code>alliance serve</code> 自带的开发用 OpenID Connect 签发者，只在本机使用。请选择身份后登录秘书处控制台。</p>
{{if .Error}}<p role="alert"><strong>{{.Error}}</strong></p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="id" value="{{.ID}}">
<p><label for="name">显示名称</label><br>
<input id="name" name="name" type="text" required maxlength="20" value="{{.Name}}" autocomplete="name"></p>
<fieldset>
<legend>角色</legend>
{{range .Roles}}<p><input type="radio" id="role-{{.Value}}" name="role" value="{{.Value}}"{{if .Checked}} checked{{end}}> <label for="role-{{.Value}}">{{.Label}}</label></p>
{{end}}</fieldset>
<p><button type="submit" id="login">登录</button></p>
</form>
</main>
</body>
</html>
`))

type pageData struct {
	ID, Name, Error, Action string
	Roles                   []roleChoice
}

type roleChoice struct {
	Value, Label string
	Checked      bool
}

func (p *Provider) render(w http.ResponseWriter, status int, id, name, role, msg string) {
	d := pageData{ID: id, Name: name, Error: msg, Action: loginPath}
	for _, r := range Roles {
		d.Roles = append(d.Roles, roleChoice{r, membership.RoleLabels[r], r == role || role == "" && r == Roles[0]})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// No form-action: it would cover every redirect after the post too (the
	// console's callback, then the console itself, on origins of their own).
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = page.Execute(w, d)
}

// loginPage shows the sign-in page of a pending authorization request.
func (p *Provider) loginPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("authRequestID")
	if !p.store.pending(id) {
		p.render(w, http.StatusNotFound, "", "", "", "登录请求不存在或已过期，请回到控制台重新登录。")
		return
	}
	p.render(w, http.StatusOK, id, "", "", "")
}

// login completes the authorization request as the person picked and sends
// the browser on to the authorization endpoint's callback, which answers
// the console with a code.
func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	id, name, role := r.PostFormValue("id"), strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("role")
	switch {
	case !p.store.pending(id):
		p.render(w, http.StatusNotFound, "", "", "", "登录请求不存在或已过期，请回到控制台重新登录。")
		return
	case name == "" || utf8.RuneCountInString(name) > 20:
		p.render(w, http.StatusBadRequest, id, name, role, "请填写 1 至 20 个字的显示名称。")
		return
	case !membership.CleanText(name, false): // it is the name the history shows
		p.render(w, http.StatusBadRequest, id, "", role, "显示名称中有无法显示的特殊字符，请重新填写。")
		return
	case !slices.Contains(Roles, role):
		p.render(w, http.StatusBadRequest, id, name, role, "请选择角色。")
		return
	}
	p.store.complete(id, user{Subject: Subject(role, name), Name: name, Roles: []string{role}})
	http.Redirect(w, r, op.AuthCallbackURL(p.op)(r.Context(), id), http.StatusFound)
}

// Subject is the stable user id of a role and display name on this
// provider: the same pick is the same person, another name another person
// (the chair who approves must not be the clerk who reviewed).
func Subject(role, name string) string {
	sum := sha256.Sum256([]byte(role + "\x00" + name))
	return "dev-" + role + "-" + hex.EncodeToString(sum[:4])
}

// Completed reports how many sign-ins were completed on the page: a test's
// witness that the console went through the provider.
func (p *Provider) Completed() int { return p.store.completedCount() }
