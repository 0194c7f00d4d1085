package io.holdtrace.sample;

import io.holdtrace.sample.leak.ExportFailedException;
import java.sql.SQLTransientConnectionException;
import org.springframework.dao.EmptyResultDataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClientResponseException;

/**
 * What a caller sees when something behind an endpoint fails. As in incident C, the caller only
 * learns that "a dependency failed"; which call, and whether a connection was held meanwhile, is
 * what the agent has to tell.
 */
@RestControllerAdvice
public class ErrorMapping {

    /** The downstream answered with an error status, e.g. 404 from the removed /legacy endpoint. */
    @ExceptionHandler(RestClientResponseException.class)
    public ProblemDetail downstreamFailed(RestClientResponseException e) {
        return problem(HttpStatus.BAD_GATEWAY, "downstream call failed: " + e.getMessage());
    }

    @ExceptionHandler(ResourceAccessException.class)
    public ProblemDetail downstreamUnreachable(ResourceAccessException e) {
        return problem(HttpStatus.GATEWAY_TIMEOUT, "downstream unreachable: " + e.getMessage());
    }

    /** The pool had no connection to give within its connection timeout. */
    @ExceptionHandler({CannotGetJdbcConnectionException.class, CannotCreateTransactionException.class,
            SQLTransientConnectionException.class})
    public ProblemDetail noConnection(Exception e) {
        return problem(HttpStatus.SERVICE_UNAVAILABLE, "no database connection: " + e.getMessage());
    }

    @ExceptionHandler(ExportFailedException.class)
    public ProblemDetail exportFailed(ExportFailedException e) {
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, e.getMessage());
    }

    @ExceptionHandler(EmptyResultDataAccessException.class)
    public ProblemDetail notFound(EmptyResultDataAccessException e) {
        return problem(HttpStatus.NOT_FOUND, "no such product");
    }

    private static ProblemDetail problem(HttpStatus status, String detail) {
        return ProblemDetail.forStatusAndDetail(status, detail);
    }
}
