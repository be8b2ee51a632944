<#
.SYNOPSIS
    Installs (or reconfigures) pymar-worker as a Windows service, sets its broker settings, and starts it.

.DESCRIPTION
    Creates the service with New-Service (or updates it when it exists), runs it as the virtual account
    "NT SERVICE\<name>", restarts it on failure, and passes the broker and pool settings as the service's
    environment variables: the REG_MULTI_SZ value "Environment" under
    HKLM:\SYSTEM\CurrentControlSet\Services\<name>. The broker password so never appears on a command line.

    Every parameter can also come from an environment variable (PYMAR_BROKER, PYMAR_ASSEMBLY, PYMAR_PRODUCER,
    PYMAR_DATA_SOURCE, PYMAR_WORKERS, PYMAR_WORKER_PATH); producers and data sources there are comma-separated.

    Run it from an elevated PowerShell. The account needs read access to the worker's and the job assembly's
    directories (grant "NT SERVICE\pymar-worker" read, or use directories under Program Files).

.EXAMPLE
    .\install-pymar-worker.ps1 -Broker amqp://pymar:secret@rabbit:5672/ -Assembly C:\Pymar\Jobs\MyJobs.dll `
        -Producer IntegrationProducer -DataSource IntegrationDataSource -Workers 4 `
        -WorkerPath 'C:\Program Files\Pymar\Worker\Pymar.Worker.exe'

.EXAMPLE
    .\install-pymar-worker.ps1 -Uninstall
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    # The RabbitMQ broker: amqp://user:pass@host:5672/vhost. Stored as Pymar__Broker__Uri in the service's environment.
    [string] $Broker = $env:PYMAR_BROKER,

    # The compiled job assembly (.dll) holding the producers and data sources.
    [string] $Assembly = $env:PYMAR_ASSEMBLY,

    # The producer types to serve (simple or full names).
    [string[]] $Producer = $(if ($env:PYMAR_PRODUCER) { $env:PYMAR_PRODUCER -split ',' } else { @() }),

    # The data source types their slices read.
    [string[]] $DataSource = $(if ($env:PYMAR_DATA_SOURCE) { $env:PYMAR_DATA_SOURCE -split ',' } else { @() }),

    # Slices computed at once; 0 keeps the worker's default (the processor count).
    [int] $Workers = $(if ($env:PYMAR_WORKERS) { [int]$env:PYMAR_WORKERS } else { 0 }),

    # Pymar.Worker.exe (dotnet publish src\Pymar.Worker) or pymar-worker.exe (dotnet tool install --tool-path).
    [string] $WorkerPath = $env:PYMAR_WORKER_PATH,

    # Further environment variables for the service, such as 'Serilog__MinimumLevel__Default=Debug'.
    [string[]] $Environment = @(),

    [string] $ServiceName = 'pymar-worker',

    [string] $DisplayName = 'Pymar worker',

    # Stop and remove the service instead.
    [switch] $Uninstall
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Invoke-Sc {
    param([Parameter(ValueFromRemainingArguments = $true)] [string[]] $Arguments)
    $output = & sc.exe @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw "sc.exe $($Arguments -join ' ') failed ($LASTEXITCODE): $output"
    }
}

function Format-Argument([string] $Value) {
    if ($Value -match '[\s"]') { return '"' + ($Value -replace '"', '\"') + '"' }
    return $Value
}

$principal = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw 'Run this script from an elevated PowerShell (as Administrator).'
}

$existing = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue

if ($Uninstall) {
    if ($null -eq $existing) {
        Write-Host "Service $ServiceName is not installed."
        return
    }
    if ($PSCmdlet.ShouldProcess($ServiceName, 'Stop and remove the service')) {
        if ($existing.Status -ne 'Stopped') { Stop-Service -Name $ServiceName -Force }
        Invoke-Sc delete $ServiceName
        Write-Host "Removed service $ServiceName."
    }
    return
}

# Check the inputs before touching anything.
if (-not $Assembly) { throw '-Assembly (or PYMAR_ASSEMBLY) is required: the path of the compiled job assembly.' }
if (-not $Producer -or $Producer.Count -eq 0) { throw '-Producer (or PYMAR_PRODUCER) is required: at least one producer type to serve.' }
if (-not $Broker) { throw '-Broker (or PYMAR_BROKER) is required: amqp://user:pass@host:5672/vhost.' }
if ($Broker -notmatch '^amqps?://[^/]+') { throw "-Broker must be an amqp:// or amqps:// URI." }
if ($Workers -lt 0) { throw '-Workers must be 0 (the default) or a positive number.' }

$Assembly = (Resolve-Path -LiteralPath $Assembly).ProviderPath
if (-not $WorkerPath) {
    $command = Get-Command pymar-worker -ErrorAction SilentlyContinue
    if ($command) { $WorkerPath = $command.Source }
    else { $WorkerPath = Join-Path $PSScriptRoot 'Pymar.Worker.exe' }
}
if (-not (Test-Path -LiteralPath $WorkerPath -PathType Leaf)) {
    throw "The worker program '$WorkerPath' does not exist: give -WorkerPath (dotnet publish src\Pymar.Worker -c Release -o <dir>)."
}
$WorkerPath = (Resolve-Path -LiteralPath $WorkerPath).ProviderPath

# The command line names what to serve; the broker goes into the environment, never on the command line.
$arguments = @('--assembly', $Assembly)
foreach ($name in $Producer) { if ($name.Trim()) { $arguments += @('--producer', $name.Trim()) } }
foreach ($name in $DataSource) { if ($name.Trim()) { $arguments += @('--data-source', $name.Trim()) } }
$binaryPath = (@($WorkerPath) + $arguments | ForEach-Object { Format-Argument $_ }) -join ' '

$serviceEnvironment = @("Pymar__Transport=RabbitMq", "Pymar__Broker__Uri=$Broker")
if ($Workers -gt 0) { $serviceEnvironment += "Pymar__Worker__Concurrency=$Workers" }
$serviceEnvironment += $Environment

if (-not $PSCmdlet.ShouldProcess($ServiceName, "Install and start: $binaryPath")) { return }

if ($null -eq $existing) {
    New-Service -Name $ServiceName -BinaryPathName $binaryPath -DisplayName $DisplayName `
        -Description 'Computes Pymar.Hosting slices from RabbitMQ (pymar-worker).' -StartupType Automatic | Out-Null
    Write-Host "Created service $ServiceName."
}
else {
    if ($existing.Status -ne 'Stopped') { Stop-Service -Name $ServiceName -Force }
    # Through CIM rather than sc.exe: the path holds quotes, which native argument passing may mangle.
    $result = Get-CimInstance -ClassName Win32_Service -Filter "Name='$ServiceName'" |
        Invoke-CimMethod -MethodName Change -Arguments @{ PathName = $binaryPath; StartMode = 'Automatic' }
    if ($result.ReturnValue -ne 0) { throw "Changing service $ServiceName failed (Win32_Service.Change returned $($result.ReturnValue))." }
    Write-Host "Reconfigured service $ServiceName."
}

# A virtual account: no password, no rights beyond what is granted to "NT SERVICE\<name>".
Invoke-Sc config $ServiceName "obj=" "NT SERVICE\$ServiceName"
# Restart after a failure (a non-zero exit included), as systemd's Restart=on-failure does.
Invoke-Sc failure $ServiceName "reset=" 86400 "actions=" "restart/5000/restart/5000/restart/30000"
Invoke-Sc failureflag $ServiceName 1

# The service's environment: REG_MULTI_SZ "Environment" on its key, read by the service control manager at start.
$key = "HKLM:\SYSTEM\CurrentControlSet\Services\$ServiceName"
New-ItemProperty -Path $key -Name 'Environment' -PropertyType MultiString -Value ([string[]]$serviceEnvironment) -Force | Out-Null

# Under the service manager the worker logs to the Application event log, source "<name>".
if (-not [System.Diagnostics.EventLog]::SourceExists($ServiceName)) {
    [System.Diagnostics.EventLog]::CreateEventSource($ServiceName, 'Application')
}

Start-Service -Name $ServiceName
$redacted = $Broker -replace '^([a-z]+://[^:/@]*):[^@]*@', '$1:***@'
Write-Host "Started $ServiceName serving $($Producer -join ', ') from $Assembly through $redacted."
Write-Host "Its log: Get-WinEvent -FilterHashtable @{ LogName = 'Application'; ProviderName = '$ServiceName' } -MaxEvents 20"
