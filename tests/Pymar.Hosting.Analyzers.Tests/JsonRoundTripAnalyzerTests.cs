namespace Pymar.Hosting.Analyzers.Tests;

public sealed class JsonRoundTripAnalyzerTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Text.Json.Serialization;
        using Pymar.Hosting;

        """;

    [Theory]
    [InlineData("public interface IShape { double Area { get; } }", "IShape", "IShape", "it is an interface, and System.Text.Json cannot create one")]
    [InlineData("public abstract class Shape { public double Area { get; set; } }", "List<Shape>", "Shape", "it is abstract, and System.Text.Json cannot create it without [JsonDerivedType] attributes")]
    [InlineData("", "Func<long>", "Func<long>", "it is a delegate")]
    [InlineData("public sealed class Total { private Total() { } public long Sum { get; set; } }", "Total", "Total", "it has no public constructor")]
    [InlineData("public sealed class Total { public Total(long count) { Sum = count; } public long Sum { get; } }", "Total", "Total", "the constructor parameter 'count' matches no public property or field")]
    [InlineData("public sealed class Total { public long Sum { get; } }", "Total", "Total", "'Sum' cannot be set and no constructor parameter sets it")]
    public async Task AValueTypeSystemTextJsonCannotReadBackIsReported(string declarations, string valueType, string reported, string reason)
    {
        var source = Usings + declarations + $$"""

            public sealed class TotalProducer : Producer<long, {|#0:{{valueType}}|}>
            {
                public override IEnumerable<{{valueType}}> Map(IEnumerable<long> items) => throw new NotSupportedException();
                public override {{valueType}} Reduce(IEnumerable<{{valueType}}> values) => throw new NotSupportedException();
            }
            """;

        await Verify.AnalyzerAsync<JsonRoundTripAnalyzer>(source, Verify.Diagnostic("PYMAR003").WithLocation(0).WithArguments(reported, reason));
    }

    [Theory]
    [InlineData("", "(long Sum, long Count)")]
    [InlineData("", "Dictionary<string, long[]>")]
    [InlineData("", "IReadOnlyList<long>")]
    [InlineData("public sealed record Total(long Sum, long Count);", "Total")]
    [InlineData("public sealed class Total { public long Sum { get; set; } public long Twice => Sum * 2; }", "Total")]
    [InlineData("public sealed class Total { public Total(long sum) { Sum = sum; } public long Sum { get; } public string Unit { get; } = \"m\"; }", "Total")]
    [InlineData("[JsonDerivedType(typeof(Circle), \"circle\")] public abstract class Shape { } public sealed class Circle : Shape { public double R { get; set; } }", "Shape")]
    public async Task AValueTypeThatRoundTripsIsNotReported(string declarations, string valueType)
    {
        var source = Usings + declarations + $$"""

            public sealed class TotalProducer : Producer<long, {{valueType}}>
            {
                public override IEnumerable<{{valueType}}> Map(IEnumerable<long> items) => throw new NotSupportedException();
                public override {{valueType}} Reduce(IEnumerable<{{valueType}}> values) => throw new NotSupportedException();
            }
            """;

        await Verify.AnalyzerAsync<JsonRoundTripAnalyzer>(source);
    }
}
