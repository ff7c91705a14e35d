package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/tandem-editor/tandem/services"
)

// errorMapping says how one error code reaches the client: the HTTP status
// of a REST answer, and the WebSocket close code used when the code ends a
// connection.
type errorMapping struct {
	status    int
	closeCode int
}

// errorTable is the one place codes map to statuses and close codes.
var errorTable = map[services.Code]errorMapping{
	services.CodeBadMessage:         {fiber.StatusBadRequest, closePolicyViolation},
	services.CodeInvalidOp:          {fiber.StatusBadRequest, closePolicyViolation},
	services.CodeRevisionOutOfRange: {fiber.StatusBadRequest, closePolicyViolation},
	services.CodeTooLarge:           {fiber.StatusRequestEntityTooLarge, closeMessageTooBig},
	services.CodeRateLimited:        {fiber.StatusTooManyRequests, closeTryAgainLater},
	services.CodeUnavailable:        {fiber.StatusServiceUnavailable, closeGoingAway},
	services.CodeNotFound:           {fiber.StatusNotFound, closePolicyViolation},
	services.CodeForbidden:          {fiber.StatusForbidden, closePolicyViolation},
	services.CodeUnauthorized:       {fiber.StatusUnauthorized, closePolicyViolation},
	services.CodeConflict:           {fiber.StatusConflict, closePolicyViolation},
	services.CodeInternal:           {fiber.StatusInternalServerError, closeInternalError},
}

// WebSocket close codes (RFC 6455, section 7.4.1).
const (
	closeNormal          = 1000
	closeGoingAway       = 1001
	closePolicyViolation = 1008
	closeMessageTooBig   = 1009
	closeInternalError   = 1011
	closeTryAgainLater   = 1013
)

func mapping(code services.Code) errorMapping {
	if m, ok := errorTable[code]; ok {
		return m
	}
	return errorTable[services.CodeInternal]
}

// errorBody is the REST error answer: {"error":{"code","message"}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    services.Code `json:"code"`
	Message string        `json:"message"`
}

// writeError answers a REST request with err's code, status and message.
func writeError(c *fiber.Ctx, err error) error {
	code := services.ErrorCode(err)
	return c.Status(mapping(code).status).JSON(errorBody{errorDetail{code, services.PublicMessage(err)}})
}

// fiberErrors turns Fiber's own errors (unknown route, body too large, ...)
// into the contract's error form.
func (s *Server) fiberErrors(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code := services.CodeInternal
		switch fe.Code {
		case fiber.StatusNotFound:
			code = services.CodeNotFound
		case fiber.StatusRequestEntityTooLarge:
			code = services.CodeTooLarge
		case fiber.StatusTooManyRequests:
			code = services.CodeRateLimited
		case fiber.StatusMethodNotAllowed, fiber.StatusBadRequest, fiber.StatusUpgradeRequired:
			code = services.CodeBadMessage
		}
		return c.Status(fe.Code).JSON(errorBody{errorDetail{code, fe.Message}})
	}
	if services.ErrorCode(err) == services.CodeInternal {
		s.log.Error("request failed", "method", c.Method(), "route", c.Route().Path, "err", err)
	}
	return writeError(c, err)
}
