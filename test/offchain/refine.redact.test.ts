import { expect } from "chai";

import { ibanValid, luhnValid, Redactor } from "../../src/refine";

/**
 * Each class of the de-identification rules with text that must be redacted (the surrounding words
 * must stay) and look-alikes that must not. Fake secrets are assembled from pieces so that no
 * realistic token sits in the repository as one literal.
 */
const OWNER = {
  id: "user-Q7xPlantedOwnerId00042",
  email: "Owner.Person@Mailbox.example",
  phone: "+44 20 7946 0958",
  name: "Ada Quirinal",
};

function redact(text: string): string {
  return new Redactor(OWNER).redact(text);
}

interface ClassCase {
  readonly placeholder: string;
  /** Values replaced whole, or `[value, what it becomes]` where a rule keeps the key that names the secret. */
  readonly redacted: readonly (string | readonly [string, string])[];
  readonly kept: readonly string[];
}

const CASES: Record<string, ClassCase> = {
  email: {
    placeholder: "[EMAIL]",
    redacted: ["john.smith+news@mail.example.co.uk", "a_b-c@sub.domain.io"],
    kept: ["@types/node", "lodash@4.17.21", "user@localhost", "@Component"],
  },
  "phone (international)": {
    placeholder: "[PHONE]",
    redacted: ["+1 (415) 555-2671", "+49 30 1234567", "+33 6 12 34 56 78", "+14155552671"],
    kept: ["+5 points", "1+2+3", "+100 200"],
  },
  "phone (national)": {
    placeholder: "[PHONE]",
    redacted: ["(415) 555-2671", "415-555-2671", "1-800-555-0199", "020 7946 0958", "06 12 34 56 78", "030/1234567"],
    kept: ["version 1.2.3", "10.0.19041", "2024-01-03", "05.12.2024", "12:30:45", "1704067200", "v2.11.0-rc.1"],
  },
  card: {
    placeholder: "[CARD]",
    redacted: ["4111 1111 1111 1111", "4111-1111-1111-1111", "5555555555554444", "3782 822463 10005"],
    kept: [
      "4111111111111112", // fails Luhn
      "1234567812345670", // passes Luhn, but no card network starts with 1
      "1704067200123", // a millisecond timestamp
      "123e4567-e89b-12d3-a456-426614174000", // a UUID
      "12345678-1234-1234-1234-123456789012", // an all-digit UUID
    ],
  },
  iban: {
    placeholder: "[IBAN]",
    redacted: ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "FR1420041010050500013M02606"],
    kept: ["DE89370400440532013001", "AB12 CDEF GHIJ KLMN"],
  },
  ip: {
    placeholder: "[IP]",
    redacted: [
      "192.168.1.20",
      "8.8.8.8",
      "2001:db8::ff00:42:8329",
      "fe80::1%eth0",
      "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
    ],
    kept: ["127.0.0.1", "::1", "std::vector", "a::b", "1.2.3.4.5", "version 1.2.3.4", "256.1.1.1", "12:30:45"],
  },
  "private key": {
    placeholder: "[SECRET:private-key]",
    redacted: [
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc/def+ghi=\n-----END RSA PRIVATE KEY-----",
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
      "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n", // JSON-escaped, no END line
    ],
    kept: ["-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----"],
  },
  "url credentials": {
    placeholder: "[SECRET:url-credentials]",
    redacted: [
      ["postgres://admin:hunter2@db.internal:5432/app", "postgres://[SECRET:url-credentials]@db.internal:5432/app"],
      ["https://bob:pa55w0rd@git.example.org/repo.git", "https://[SECRET:url-credentials]@git.example.org/repo.git"],
    ],
    kept: ["https://example.org/path?q=1", "postgres://db.internal:5432/app"],
  },
  password: {
    placeholder: "[SECRET:password]",
    redacted: [
      ['password = "correct horse"', 'password = "[SECRET:password]"'],
      ["Server=db;User Id=sa;Password=S3cr3t!;", "Server=db;User Id=sa;Password=[SECRET:password];"],
      ["PGPASSWORD=tr0ub4dor psql", "PGPASSWORD=[SECRET:password] psql"],
    ],
    kept: ["password: string", 'password = "<your password>"', 'password = "${DB_PASSWORD}"', "the password is long"],
  },
  "assigned credential": {
    placeholder: "[SECRET:credential]",
    redacted: [
      ['{"api_key": "q8Zr2LmN5tXw"}', '{"api_key": "[SECRET:credential]"}'],
      ["CLIENT_SECRET='f00-b4r-b4z'", "CLIENT_SECRET='[SECRET:credential]'"],
    ],
    kept: ["tokens = tokenize(text)", 'max_tokens: "$AUTO"'],
  },
  "aws access key": {
    placeholder: "[SECRET:aws-access-key]",
    redacted: [
      "AKIA" + "IOSFODNN7EXAMPLE",
      "ASIA" + "Y34FZKBOKMUTVV7A",
      "ABIA" + "Y34FZKBOKMUTVV7A",
      "ACCA" + "Y34FZKBOKMUTVV7A",
      "A3TX" + "Y34FZKBOKMUTVV7A",
    ],
    kept: ["AKIA" + "short", "AKIA" + "IOSFODNN7EXAMPLEX"],
  },
  "aws secret key": {
    placeholder: "[SECRET:aws-secret-key]",
    redacted: [
      [
        "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY",
        "aws_secret_access_key = [SECRET:aws-secret-key]",
      ],
    ],
    kept: ["aws_secret_access_key = ${SECRET}"],
  },
  "gcp api key": {
    placeholder: "[SECRET:gcp-api-key]",
    redacted: ["AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"],
    kept: ["AIza" + "Sy-too-short"],
  },
  "gcp oauth client secret": {
    placeholder: "[SECRET:gcp-oauth-secret]",
    redacted: ["GOCSPX-" + "1a2B3c4D5e6F7g8H9i0J1k2L3m4N"],
    kept: ["GOCSPX-short"],
  },
  "gcp access token": {
    placeholder: "[SECRET:gcp-access-token]",
    redacted: ["ya29." + "a0AfH6SMBx1y2z3w4v5u6t7s"],
    kept: ["ya29.short"],
  },
  "azure client secret": {
    placeholder: "[SECRET:azure-client-secret]",
    redacted: ["Xy.8Q~" + "aB3_dE6-gH9~jK2.mN5_pQ8-sT1~vW4.y"],
    kept: ["abc8Q~short"],
  },
  "azure key": {
    placeholder: "[SECRET:azure-key]",
    redacted: [
      [
        "AccountName=acct;AccountKey=" +
          "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
        "AccountName=acct;AccountKey=[SECRET:azure-key]",
      ],
      [
        "https://acct.blob.core.windows.net/c?sv=2022&sig=" + "a".repeat(20) + "%2B" + "b".repeat(20),
        "https://acct.blob.core.windows.net/c?sv=2022&sig=[SECRET:azure-key]",
      ],
    ],
    kept: ["AccountName=acct;EndpointSuffix=core.windows.net"],
  },
  "github token": {
    placeholder: "[SECRET:github-token]",
    redacted: ["ghp_" + "A1b2".repeat(9), "github_pat_" + "11ABCDEFG0".repeat(6) + "xyz"],
    kept: ["ghp_" + "short", "9fceb02d0ae598e95dc970b74767f19372d61af8"], // a git commit hash
  },
  "gitlab token": {
    placeholder: "[SECRET:gitlab-token]",
    redacted: ["glpat-" + "x1Y2z3W4v5U6t7S8r9Q0"],
    kept: ["glpat-short"],
  },
  "npm token": {
    placeholder: "[SECRET:npm-token]",
    redacted: ["npm_" + "a1B2c3D4e5F6".repeat(3)],
    kept: ["npm_config_cache"],
  },
  "hugging face token": {
    placeholder: "[SECRET:huggingface-token]",
    redacted: ["hf_" + "a1B2c3D4e5F6g7H8".repeat(2) + "xy"],
    kept: ["hf_hub_download"],
  },
  "openai key": {
    placeholder: "[SECRET:openai-key]",
    redacted: ["sk-proj-" + "Ab1Cd2Ef3Gh4".repeat(4), "sk-" + "T3BlbkFJ" + "x9Y8z7W6".repeat(5)],
    kept: ["sk-learn-random-forest-classifier-model", "scikit-learn"],
  },
  "anthropic key": {
    placeholder: "[SECRET:anthropic-key]",
    redacted: ["sk-ant-api03-" + "q".repeat(20) + "-" + "Z9".repeat(30)],
    kept: ["sk-ant-short"],
  },
  "slack token": {
    placeholder: "[SECRET:slack-token]",
    redacted: ["xoxb-" + "123456789012-1234567890123-" + "AbCdEfGhIjKlMnOp"],
    kept: ["xoxo hugs"],
  },
  "slack webhook": {
    placeholder: "[SECRET:slack-webhook]",
    redacted: [
      [
        "https://hooks.slack.com/services/" + "T0123ABCD/B0123ABCD/" + "abcDEF123ghiJKL456",
        "https://[SECRET:slack-webhook]",
      ],
    ],
    kept: ["hooks.slack.com/apps"],
  },
  "stripe key": {
    placeholder: "[SECRET:stripe-key]",
    redacted: [
      "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
      "rk_test_" + "51H8abcdEFGHijklMNOP",
      "whsec_" + "a1B2c3D4".repeat(3),
    ],
    kept: ["pk_live_ is the publishable prefix", "whsec_short"],
  },
  jwt: {
    placeholder: "[SECRET:jwt]",
    redacted: [
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" +
        ".eyJzdWIiOiIxMjM0NTY3ODkwIn0" +
        ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ],
    kept: ["eyJhbGciOiJIUzI1NiJ9 alone"],
  },
};

describe("refine: de-identification rules", () => {
  for (const [name, { placeholder, redacted, kept }] of Object.entries(CASES)) {
    it(`${name}: replaced by ${placeholder} with the words around it kept; look-alikes untouched`, () => {
      for (const item of redacted) {
        const [value, expected] = typeof item === "string" ? [item, placeholder] : item;
        expect(expected).to.include(placeholder);
        expect(redact(`before ${value} after`), value).to.equal(`before ${expected} after`);
      }
      for (const value of kept) {
        expect(redact(`before ${value} after`), value).to.equal(`before ${value} after`);
      }
    });
  }

  it("removes the owner's id, e-mail (any case), phone (any spelling) and name wherever they appear", () => {
    const out = redact(
      `I am Ada Quirinal (ada quirinal), id ${OWNER.id} in /home/${OWNER.id}/x, mail owner.person@mailbox.example, ` +
        `call 020 7946 0958 or +44 (0)20 7946-0958 or 0 79 46 09 58? Regards, Mr Quirinal.`,
    );
    expect(out).to.equal(
      "I am [NAME] ([NAME]), id [USER_ID] in /home/[USER_ID]/x, mail [EMAIL], call [PHONE] or [PHONE] or [PHONE]? Regards, Mr [NAME].",
    );
  });

  it("finds the owner's name spelled with characters that only fold to it (the name's ASCII pre-check)", () => {
    // U+212A KELVIN SIGN and U+017F LONG S match `k` and `s` case-insensitively, but lower-case to themselves.
    const redactor = new Redactor({ name: "Sam Kirk" });
    expect(redactor.redact("Mr \u212Airk and Mr KIRK, not Kirkwood")).to.equal("Mr [NAME] and Mr [NAME], not Kirkwood");
    expect(new Redactor({ name: "Ada Moss" }).redact("Ms Mo\u017Fs")).to.equal("Ms [NAME]");
  });

  it("counts each placeholder under its class, owner identifiers apart", () => {
    const redactor = new Redactor(OWNER);
    redactor.redact(`x@y.org ${OWNER.email} ghp_${"A1b2".repeat(9)} 8.8.8.8 8.8.4.4`);
    expect(Object.fromEntries(redactor.counts)).to.deep.equal({
      "secret:github-token": 1,
      "owner:email": 1,
      email: 1,
      ip: 2,
    });
  });

  it("is a pure function of the text: the same input gives the same output on every call", () => {
    const text = `call +1 (415) 555-2671, card 4111 1111 1111 1111, key AKIA${"IOSFODNN7EXAMPLE"}`;
    const redactor = new Redactor(OWNER);
    expect(redactor.redact(text)).to.equal(redactor.redact(text)).and.to.equal(new Redactor(OWNER).redact(text));
  });

  it("checksums: Luhn and IBAN mod-97", () => {
    expect(luhnValid("4111111111111111")).to.equal(true);
    expect(luhnValid("4111111111111112")).to.equal(false);
    expect(ibanValid("DE89370400440532013000")).to.equal(true);
    expect(ibanValid("DE89370400440532013001")).to.equal(false);
    expect(ibanValid("DE89")).to.equal(false);
  });
});
