/** The text of the messages accounts send. Links point at the dashboard (`publicUrl`). */

export interface EmailMessage {
  subject: string;
  text: string;
}

export function activationEmail(publicUrl: string, token: string): EmailMessage {
  return {
    subject: "Activate your Wrenn account",
    text: [
      "Welcome to Wrenn.",
      "",
      "Activate your account by opening this link:",
      `${publicUrl}/activate?token=${token}`,
      "",
      "The link works once and expires in 24 hours. If you did not sign up, ignore this message.",
    ].join("\n"),
  };
}

export function passwordResetEmail(publicUrl: string, token: string): EmailMessage {
  return {
    subject: "Reset your Wrenn password",
    text: [
      "Someone asked to reset the password of your Wrenn account.",
      "",
      "Choose a new password here:",
      `${publicUrl}/reset-password?token=${token}`,
      "",
      "The link works once and expires in 15 minutes. If it was not you, ignore this message; your password stays as it is.",
    ].join("\n"),
  };
}
