using System.ComponentModel;
using System.Globalization;

namespace Pymar.Hosting.Workers;

/// <summary>
/// Converts <see cref="WorkerConcurrency"/> from its text (<c>"4"</c>, <c>"2..8"</c>) and from a number, which is how the
/// configuration binder reads <c>Pymar:Worker:Concurrency</c>.
/// </summary>
internal sealed class WorkerConcurrencyConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || sourceType == typeof(int) || base.CanConvertFrom(context, sourceType);

    public override bool CanConvertTo(ITypeDescriptorContext? context, Type? destinationType) =>
        destinationType == typeof(string) || base.CanConvertTo(context, destinationType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) => value switch
    {
        string text => WorkerConcurrency.Parse(text),
        int slots => new WorkerConcurrency(slots),
        _ => base.ConvertFrom(context, culture, value),
    };

    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        destinationType == typeof(string) && value is WorkerConcurrency concurrency
            ? concurrency.ToString()
            : base.ConvertTo(context, culture, value, destinationType);
}
