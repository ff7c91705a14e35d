package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/tandem-editor/tandem/api/protocol"
	"github.com/tandem-editor/tandem/services"
)

// errorMapping says how one error code reaches the client: the protocol's
// code, the HTTP status of a REST answer, and the WebSocket close code used
// when the code ends a connection.
type errorMapping struct {
	code      protocol.Code
	status    int
	closeCode int
}

// errorTable is the one place the domain's codes map to protocol codes,
// statuses and close codes.
var errorTable = map[services.Code]errorMapping{
	services.CodeBadMessage:         {protocol.CodeBadMessage, fiber.StatusBadRequest, protocol.ClosePolicyViolation},
	services.CodeInvalidOp:          {protocol.CodeInvalidOp, fiber.StatusBadRequest, protocol.ClosePolicyViolation},
	services.CodeRevisionOutOfRange: {protocol.CodeRevisionOutOfRange, fiber.StatusBadRequest, protocol.ClosePolicyViolation},
	services.CodeTooLarge:           {protocol.CodeTooLarge, fiber.StatusRequestEntityTooLarge, protocol.CloseMessageTooBig},
	services.CodeRateLimited:        {protocol.CodeRateLimited, fiber.StatusTooManyRequests, protocol.CloseTryAgainLater},
	services.CodeUnavailable:        {protocol.CodeUnavailable, fiber.StatusServiceUnavailable, protocol.CloseGoingAway},
	services.CodeNotFound:           {protocol.CodeNotFound, fiber.StatusNotFound, protocol.ClosePolicyViolation},
	services.CodeForbidden:          {protocol.CodeForbidden, fiber.StatusForbidden, protocol.ClosePolicyViolation},
	services.CodeUnauthorized:       {protocol.CodeUnauthorized, fiber.StatusUnauthorized, protocol.CloseUnauthorized},
	services.CodeConflict:           {protocol.CodeConflict, fiber.StatusConflict, protocol.ClosePolicyViolation},
	services.CodeInternal:           {protocol.CodeInternal, fiber.StatusInternalServerError, protocol.CloseInternalError},
}

func mapping(code services.Code) errorMapping {
	if m, ok := errorTable[code]; ok {
		return m
	}
	return errorTable[services.CodeInternal]
}

// writeError answers a REST request with err's code, status and message.
func writeError(c *fiber.Ctx, err error) error {
	m := mapping(services.ErrorCode(err))
	return c.Status(m.status).JSON(protocol.ErrorResponse{Error: protocol.ErrorDetail{Code: m.code, Message: services.PublicMessage(err)}})
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
		return c.Status(fe.Code).JSON(protocol.ErrorResponse{Error: protocol.ErrorDetail{Code: mapping(code).code, Message: fe.Message}})
	}
	if services.ErrorCode(err) == services.CodeInternal {
		s.log.Error("request failed", "method", c.Method(), "route", c.Route().Path, "err", err)
	}
	return writeError(c, err)
}
