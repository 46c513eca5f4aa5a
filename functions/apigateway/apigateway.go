// Package apigateway runs a plain http.Handler on AWS Lambda behind an API Gateway HTTP
// API (payload format 2.0), using aws-lambda-go-api-proxy's httpadapter. It answers an
// event it cannot read (malformed JSON, a body that is not valid base64) with a 400
// instead of failing the invocation.
//
// In the global layout the API is reached only through the CloudFront distribution,
// whose WAF web ACL limits each client: CloudFront adds OriginHeader with a secret to
// every request it forwards, and Handler, given that secret, answers any other request
// (one sent straight to the execute-api URL, around the WAF) with a 403. This is the one
// place the check lives; `alliance serve` does not use this package, and the China
// layout (no CloudFront) does not set the secret.
package apigateway

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// OriginHeader is the header CloudFront adds to every request it forwards to the API
// (template.yaml: the api origin's OriginCustomHeaders). CloudFront replaces a header
// of the same name sent by a client.
const OriginHeader = "X-Origin-Verify"

// Config is what Handler needs besides the handler.
type Config struct {
	// OriginSecret is the value every request must carry in OriginHeader (the
	// function's ORIGIN_VERIFY_SECRET). Empty: no check (the China layout, where
	// browsers call the API directly).
	OriginSecret string
}

// Handler returns the function to pass to lambda.Start. The API Gateway request ID
// becomes the X-Request-Id header unless the client sent one, so logs can be matched.
// With cfg.OriginSecret, an event without that secret in OriginHeader is answered 403
// and never reaches h; the header is removed before h sees the request.
func Handler(h http.Handler, cfg Config) func(context.Context, json.RawMessage) (events.APIGatewayV2HTTPResponse, error) {
	adapter := httpadapter.NewV2(h)
	originKey := strings.ToLower(OriginHeader) // API Gateway lower-cases header names
	return func(ctx context.Context, raw json.RawMessage) (events.APIGatewayV2HTTPResponse, error) {
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil || ev.RequestContext.HTTP.Method == "" {
			return errorResponse(http.StatusBadRequest, "invalid", "无法读取请求（API Gateway 事件格式不正确）"), nil
		}
		if cfg.OriginSecret != "" {
			got := ev.Headers[originKey]
			if subtle.ConstantTimeCompare([]byte(got), []byte(cfg.OriginSecret)) != 1 {
				return errorResponse(http.StatusForbidden, "forbidden", "请通过网站访问此接口"), nil
			}
			delete(ev.Headers, originKey)
		}
		if ev.IsBase64Encoded {
			if _, err := base64.StdEncoding.DecodeString(ev.Body); err != nil {
				return errorResponse(http.StatusBadRequest, "invalid", "无法读取请求内容（base64 编码不正确）"), nil
			}
		}
		if ev.Headers == nil {
			ev.Headers = map[string]string{}
		}
		if _, ok := ev.Headers["x-request-id"]; !ok && ev.RequestContext.RequestID != "" {
			ev.Headers["x-request-id"] = ev.RequestContext.RequestID
		}
		resp, err := adapter.ProxyWithContext(ctx, ev)
		if err != nil {
			return errorResponse(http.StatusBadRequest, "invalid", "无法读取请求"), nil
		}
		return resp, nil
	}
}

// errorResponse is an error answer in the JSON shape of functions/httpapi.
func errorResponse(status int, code, msg string) events.APIGatewayV2HTTPResponse {
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg}})
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"},
		Body:       string(body),
	}
}
