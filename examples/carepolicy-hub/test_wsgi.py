import io
import unittest

import wsgi


def call(path):
    seen = {}

    def start_response(code, headers):
        seen["code"] = code

    body = b"".join(wsgi.app({"PATH_INFO": path, "wsgi.input": io.BytesIO()}, start_response))
    return seen["code"], body


class StandIn(unittest.TestCase):
    def test_health_answers_200(self):
        self.assertEqual(call("/health"), ("200 OK", b"ok"))

    def test_unknown_path_is_404(self):
        self.assertEqual(call("/nope")[0], "404 Not Found")

    def test_status_reports_secret_presence_never_values(self):
        env = {"SECRET_KEY": "s3cr3t-value", "ENVIRONMENT": "production"}
        out = wsgi.status(env)
        self.assertEqual(out["secrets_present"], {"SECRET_KEY": True, "JWT_SECRET": False, "GROQ_API_KEY": False})
        self.assertNotIn("s3cr3t-value", repr(out))
        self.assertEqual(out["settings"]["ENVIRONMENT"], "production")


if __name__ == "__main__":
    unittest.main()
