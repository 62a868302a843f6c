import type { Kysely } from "kysely";
import nodemailer from "nodemailer";
import type { Database } from "@wrenn/db";
import type { FastifyBaseLogger } from "fastify";
import type { SmtpConfig } from "../config.js";

export interface Mailer {
  /** Records the message in the outbox and delivers it by SMTP when configured. Never throws for delivery failures. */
  send(message: { to: string; subject: string; text: string }): Promise<void>;
}

/**
 * Every message lands in `email_outbox` first; with SMTP configured it is also sent and
 * marked. Without SMTP the log line and the outbox row are the delivery, so a self-hoster
 * can still activate accounts.
 */
export function createMailer(db: Kysely<Database>, smtp: SmtpConfig | undefined, log: FastifyBaseLogger): Mailer {
  const transport = smtp
    ? nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? "" } } : {}),
        // Self-hosted relays on loopback often use self-signed certificates.
        tls: { rejectUnauthorized: false },
      })
    : null;
  return {
    async send({ to, subject, text }) {
      const row = await db
        .insertInto("email_outbox")
        .values({ to_address: to, subject, body: text, sent_at: null, error: null })
        .returning("id")
        .executeTakeFirstOrThrow();
      if (!transport || !smtp) {
        log.info({ to, subject, body: text }, "email (no SMTP configured; stored in email_outbox)");
        return;
      }
      try {
        await transport.sendMail({ from: smtp.from, to, subject, text });
        await db.updateTable("email_outbox").set({ sent_at: new Date() }).where("id", "=", row.id).execute();
      } catch (err) {
        log.warn({ err, to, subject }, "email delivery failed; kept in email_outbox");
        await db.updateTable("email_outbox").set({ error: String((err as Error).message) }).where("id", "=", row.id).execute();
      }
    },
  };
}
