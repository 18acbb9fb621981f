-- The server certificate an HTTPS attempt's response came with: {daysRemaining, subject, issuer, validFrom, validTo}.
-- NULL for plain HTTP, TCP steps and attempts without a response. The certificate-expiry rule reads the latest one.
ALTER TABLE step_attempts ADD COLUMN tls jsonb;
