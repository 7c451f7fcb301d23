@echo off
rem The heapgraph CLI of the installed app (Windows): Heapgraph.exe run as plain Node
rem (ELECTRON_RUN_AS_NODE) on the CLI bundled in app.asar. Installed as resources\bin\heapgraph.cmd.
setlocal
set ELECTRON_RUN_AS_NODE=1
"%~dp0..\..\Heapgraph.exe" "%~dp0..\app.asar\dist\cli\heapgraph.cjs" %*
endlocal & exit /b %ERRORLEVEL%
