import unittest

from status import app_info, parse_names, secret_status


class SecretStatusTest(unittest.TestCase):
    def test_present_missing_and_empty(self) -> None:
        env = {"OPENAI_API_KEY": "sk-abc123", "JWT_SECRET": "", "OTHER": "x"}
        self.assertEqual(
            secret_status("OPENAI_API_KEY,JWT_SECRET,DB_PASSWORD", env),
            [("OPENAI_API_KEY", True), ("JWT_SECRET", False), ("DB_PASSWORD", False)],
        )

    def test_whitespace_only_value_is_missing(self) -> None:
        self.assertEqual(secret_status("A", {"A": "   "}), [("A", False)])

    def test_parsing_trims_and_skips_blanks_and_duplicates(self) -> None:
        self.assertEqual(parse_names(" A , ,B,A,, "), ["A", "B"])
        self.assertEqual(secret_status("", {"A": "1"}), [])
        self.assertEqual(secret_status(None, {"A": "1"}), [])

    def test_never_leaks_value(self) -> None:
        value = "sk-super-secret-value"
        result = secret_status("OPENAI_API_KEY", {"OPENAI_API_KEY": value})
        self.assertEqual(result, [("OPENAI_API_KEY", True)])
        self.assertIs(type(result[0][1]), bool)
        self.assertNotIn(value[:3], repr(result))


class AppInfoTest(unittest.TestCase):
    def test_defaults(self) -> None:
        self.assertEqual(
            app_info({}),
            {"App": "ferry sample", "Environment": "local", "Image version": "dev"},
        )

    def test_from_env(self) -> None:
        env = {"APP_NAME": "demo", "ENVIRONMENT": "prod", "IMAGE_VERSION": "1.2.3"}
        self.assertEqual(
            app_info(env),
            {"App": "demo", "Environment": "prod", "Image version": "1.2.3"},
        )


if __name__ == "__main__":
    unittest.main()
