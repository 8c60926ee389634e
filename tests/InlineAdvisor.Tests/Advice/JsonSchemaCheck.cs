// Validates JSON files against JSON Schemas with Python's `jsonschema` (a second, independent implementation: what
// CI tools and code-scanning services use is not our own reader), run as a child process.
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.Advice;

public static class JsonSchemaCheck
{
    /// <summary>The official SARIF 2.1.0 schema (OASIS, errata 01), vendored: see tests/fixtures/README.md.</summary>
    public static readonly string SarifSchema = Path.Combine(Repo.Root, "tests", "fixtures", "sarif-schema-2.1.0.json");

    /// <summary>Our advice schema as shipped beside the `advisor` binary.</summary>
    public static readonly string AdviceSchema = Path.Combine(Path.GetDirectoryName(Repo.Advisor)!, "inline-advice.schema.json");

    // The validator class follows the schema's own $schema (draft-04 for SARIF, 2020-12 for ours); the schema itself is
    // checked against its meta-schema first, and formats are checked where jsonschema has a checker for them.
    private const string Script = """
        import json, sys
        try:
            import jsonschema
        except ImportError as e:
            print("python3 has no jsonschema package: %s" % e, file=sys.stderr); sys.exit(3)
        with open(sys.argv[1], encoding="utf-8") as f: schema = json.load(f)
        with open(sys.argv[2], encoding="utf-8") as f: instance = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        try:
            cls.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            print("the schema itself is invalid: %s" % e.message, file=sys.stderr); sys.exit(4)
        errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(instance), key=lambda e: e.json_path)
        for e in errors: print("%s: %s" % (e.json_path, e.message))
        sys.exit(1 if errors else 0)
        """;

    /// <summary>The validation errors ("$.path: message" lines); empty when the file is valid.</summary>
    public static string Errors(string schemaPath, string instancePath)
    {
        // The first Python that has jsonschema: the machine's default, else Debian's (.ci/run installs python3-jsonschema).
        ProcessResult r = null!;
        foreach (var python in new[] { "python3", "/usr/bin/python3" })
        {
            r = Repo.Run(python, ["-c", Script, schemaPath, instancePath], Path.GetDirectoryName(instancePath)!, timeoutSeconds: 60);
            if (r.ExitCode != 3) break;
        }
        if (r.ExitCode is not (0 or 1))
            throw new InvalidOperationException($"python3 jsonschema could not validate {instancePath} (exit {r.ExitCode}): {r.All}");
        return r.ExitCode == 0 ? "" : r.Stdout.Trim() + (r.Stdout.Trim().Length == 0 ? r.Stderr : "");
    }

    public static void AssertValid(string schemaPath, string instancePath)
    {
        var errors = Errors(schemaPath, instancePath);
        Assert.True(errors.Length == 0, $"{instancePath} does not validate against {Path.GetFileName(schemaPath)}:\n{errors}\n{File.ReadAllText(instancePath)}");
    }
}
