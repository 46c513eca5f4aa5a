// Package apigateway runs a plain http.Handler on AWS Lambda behind an API Gateway HTTP
// API (payload format 2.0), using aws-lambda-go-api-proxy's httpadapter. It answers an
// event it cannot read (malformed JSON, a body that is not valid base64) with a 400
// instead of failing the invocation.
package apigateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// Handler returns the function to pass to lambda.Start. The API Gateway request ID
// becomes the X-Request-Id header unless the client sent one, so logs can be matched.
func Handler(h http.Handler) func(context.Context, json.RawMessage) (events.APIGatewayV2HTTPResponse, error) {
	adapter := httpadapter.NewV2(h)
	return func(ctx context.Context, raw json.RawMessage) (events.APIGatewayV2HTTPResponse, error) {
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil || ev.RequestContext.HTTP.Method == "" {
			return badRequest("无法读取请求（API Gateway 事件格式不正确）"), nil
		}
		if ev.IsBase64Encoded {
			if _, err := base64.StdEncoding.DecodeString(ev.Body); err != nil {
				return badRequest("无法读取请求内容（base64 编码不正确）"), nil
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
			return badRequest("无法读取请求"), nil
		}
		return resp, nil
	}
}

func badRequest(msg string) events.APIGatewayV2HTTPResponse {
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"code": "invalid", "message": msg}})
	return events.APIGatewayV2HTTPResponse{
		StatusCode: http.StatusBadRequest,
		Headers:    map[string]string{"Content-Type": "application/json; charset=utf-8"},
		Body:       string(body),
	}
}
