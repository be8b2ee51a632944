namespace Pymar.Hosting.Analyzers.Tests;

public sealed class ProducerStateAnalyzerTests
{
    [Fact]
    public async Task AMutableFieldAndASettablePropertyOfAProducerAreReported()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Linq;
            using Pymar.Hosting;

            public sealed class ThresholdProducer : Producer<long, long>
            {
                private long {|#0:_calls|};

                public long {|#1:Threshold|} { get; set; }

                public override IEnumerable<long> Map(IEnumerable<long> items)
                {
                    _calls++;
                    return items.Where(i => i > Threshold);
                }

                public override long Reduce(IEnumerable<long> values) => values.Sum();
            }
            """;

        await Verify.AnalyzerAsync<ProducerStateAnalyzer>(
            source,
            Verify.Diagnostic("PYMAR002").WithLocation(0).WithArguments("ThresholdProducer", "_calls"),
            Verify.Diagnostic("PYMAR002").WithLocation(1).WithArguments("ThresholdProducer", "Threshold"));
    }

    [Fact]
    public async Task ReadonlyDependenciesGetOnlyPropertiesAndStaticsOfAProducerAreNotReported()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Linq;
            using Pymar.Hosting;

            public sealed class ScaledProducer(TimeProvider time) : Producer<long, long>
            {
                private static long s_instances;
                private const long Factor = 3;
                private readonly TimeProvider _time = time;

                public override int DefaultSliceCount => 8;

                public long Scale { get; } = Factor;

                public override IEnumerable<long> Map(IEnumerable<long> items) => items.Select(i => i * Scale + _time.GetTimestamp() * 0 + s_instances);

                public override long Reduce(IEnumerable<long> values) => values.Sum();
            }

            public sealed class NotAProducer
            {
                public long Value { get; set; }
            }
            """;

        await Verify.AnalyzerAsync<ProducerStateAnalyzer>(source);
    }

    [Fact]
    public async Task AFieldWrittenOnlyByTheConstructorIsMadeReadonly()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Linq;
            using Pymar.Hosting;

            public sealed class OffsetProducer : Producer<long, long>
            {
                private long {|#0:_offset|};

                public OffsetProducer() => _offset = 10;

                public override IEnumerable<long> Map(IEnumerable<long> items) => items.Select(i => i + _offset);

                public override long Reduce(IEnumerable<long> values) => values.Sum();
            }
            """;
        const string fixedSource = """
            using System.Collections.Generic;
            using System.Linq;
            using Pymar.Hosting;

            public sealed class OffsetProducer : Producer<long, long>
            {
                private readonly long _offset;

                public OffsetProducer() => _offset = 10;

                public override IEnumerable<long> Map(IEnumerable<long> items) => items.Select(i => i + _offset);

                public override long Reduce(IEnumerable<long> values) => values.Sum();
            }
            """;

        await Verify.CodeFixAsync<ProducerStateAnalyzer, ProducerStateCodeFixProvider>(
            source,
            fixedSource,
            Verify.Diagnostic("PYMAR002").WithLocation(0).WithArguments("OffsetProducer", "_offset"));
    }

    [Fact]
    public async Task AFieldWrittenOutsideTheConstructorIsNotOfferedReadonly()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Linq;
            using Pymar.Hosting;

            public sealed class CountingProducer : Producer<long, long>
            {
                private long {|#0:_calls|};

                public override IEnumerable<long> Map(IEnumerable<long> items)
                {
                    _calls++;
                    return items;
                }

                public override long Reduce(IEnumerable<long> values) => values.Sum() + _calls;
            }
            """;

        // No fix: the fixed code is the code as it is.
        await Verify.CodeFixAsync<ProducerStateAnalyzer, ProducerStateCodeFixProvider>(
            source,
            source,
            Verify.Diagnostic("PYMAR002").WithLocation(0).WithArguments("CountingProducer", "_calls"));
    }
}
