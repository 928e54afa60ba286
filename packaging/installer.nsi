; NSIS script template for pynsist (Jinja2 with square-bracket markers), written for this app
; instead of pynsist's pyapp.nsi so that: the installer speaks Chinese; it installs per user by
; default, without administrator rights, into an ASCII folder (%LOCALAPPDATA%\Programs\
; ExpertDispatch: some C libraries still use ANSI file APIs); an upgrade lands in the folder
; of the previous install and replaces the old code completely; a desktop shortcut is made;
; and the uninstaller never touches the user's data (%LOCALAPPDATA%\ExpertDispatch).
; Read by pynsist from build/windows/; build_windows.py runs makensis -INPUTCHARSET UTF8.

!define PRODUCT_NAME "[[ib.appname]]"
!define PRODUCT_VERSION "[[ib.version]]"
!define PRODUCT_KEY "ExpertDispatch"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${PRODUCT_KEY}"
!define INSTALLER_NAME "[[ib.installer_name]]"
!define PRODUCT_ICON "[[icon]]"
!define USER_INSTALL_MARKER _user_install_marker

SetCompressor /SOLID lzma
; A 64 MiB window finds the repeats between the many DLLs: ~10 % smaller than the default.
SetCompressorDictSize 64
Unicode true
ManifestDPIAware true
; Reproducible builds: no build time stamps inside the installer's files.
SetDateSave off

; Per user by default; "Highest" lets an administrator choose all users on the mode page,
; a standard user is never asked for elevation. /AllUsers or /CurrentUser on the command line.
!define MULTIUSER_EXECUTIONLEVEL Highest
!define MULTIUSER_INSTALLMODE_DEFAULT_CURRENTUSER
!define MULTIUSER_MUI
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_INSTALLMODE_INSTDIR "${PRODUCT_KEY}"
; An upgrade goes where the previous version is (its uninstall entry records the folder).
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_KEY "${UNINSTALL_KEY}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_VALUENAME "InstallLocation"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_KEY "${UNINSTALL_KEY}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_VALUENAME "InstallLocation"
!define MULTIUSER_INSTALLMODE_FUNCTION correct_prog_files
!include MultiUser.nsh
!include FileFunc.nsh
!include MUI2.nsh

!define MUI_ABORTWARNING
!define MUI_ICON "${PRODUCT_ICON}"
!define MUI_UNICON "${PRODUCT_ICON}"
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_FUNCTION LaunchApp
!define MUI_FINISHPAGE_RUN_TEXT "现在启动${PRODUCT_NAME}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

; Version information shown in the file's properties.
VIProductVersion "[[ib.numeric_version]]"
VIFileVersion "[[ib.numeric_version]]"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductName" "${PRODUCT_NAME}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductVersion" "${PRODUCT_VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileVersion" "${PRODUCT_VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileDescription" "${PRODUCT_NAME} 安装程序"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "CompanyName" "[[ib.publisher]]"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "LegalCopyright" "[[ib.publisher]]"

Name "${PRODUCT_NAME} ${PRODUCT_VERSION}"
OutFile "${INSTALLER_NAME}"
ShowInstDetails show
ShowUninstDetails show

Var cmdLineInstallDir

Section "!${PRODUCT_NAME}" sec_app
  SetRegView 64
  SectionIn RO
  SetOverwrite on

  ; Upgrade in place: the previous version's code goes first, so no module it had and this
  ; version dropped is left behind to be imported. The user's data is not in $INSTDIR.
  RMDir /r "$INSTDIR\pkgs"
  RMDir /r "$INSTDIR\Python"

  SetOutPath "$INSTDIR"
  File "${PRODUCT_ICON}"
  SetOutPath "$INSTDIR\pkgs"
  File /r "pkgs\*.*"
  SetOutPath "$INSTDIR"

  StrCmp $MultiUser.InstallMode CurrentUser 0 +3
    FileOpen $0 "$INSTDIR\${USER_INSTALL_MARKER}" w
    FileClose $0
    SetFileAttributes "$INSTDIR\${USER_INSTALL_MARKER}" HIDDEN

  [% for destination, group in grouped_files %]
  SetOutPath "[[destination]]"
    [% for file in group %]
  File "[[ file ]]"
    [% endfor %]
  [% endfor %]
  [% for dir, destination in ib.install_dirs %]
  SetOutPath "[[ pjoin(destination, dir) ]]"
  File /r "[[dir]]\*.*"
  [% endfor %]

  ; Shortcuts: the start-menu folder (the program and 自检) and the desktop.
  SetOutPath "$INSTDIR"
  CreateDirectory "$SMPROGRAMS\${PRODUCT_NAME}"
  [% for scname, sc in ib.shortcuts.items() %]
  CreateShortCut "$SMPROGRAMS\${PRODUCT_NAME}\[[scname]].lnk" "[[sc['target'] ]]" \
    '[[ sc['parameters'] ]]' "$INSTDIR\[[ sc['icon'] ]]"
  [% endfor %]
  CreateShortCut "$SMPROGRAMS\${PRODUCT_NAME}\卸载${PRODUCT_NAME}.lnk" "$INSTDIR\uninstall.exe"
  CreateShortCut "$DESKTOP\${PRODUCT_NAME}.lnk" "$INSTDIR\Python\pythonw.exe" \
    '"$INSTDIR\launch_gui.pyw"' "$INSTDIR\${PRODUCT_ICON}"

  DetailPrint "正在编译 Python 模块……"
  nsExec::ExecToLog '[[ python ]] -m compileall -q "$INSTDIR\pkgs"'
  WriteUninstaller "$INSTDIR\uninstall.exe"

  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT_NAME}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${PRODUCT_ICON}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "Publisher" "[[ib.publisher]]"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayVersion" "${PRODUCT_VERSION}"
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "EstimatedSize" $0
SectionEnd

Section "Uninstall"
  SetRegView 64
  SetShellVarContext all
  IfFileExists "$INSTDIR\${USER_INSTALL_MARKER}" 0 +3
    SetShellVarContext current
    Delete "$INSTDIR\${USER_INSTALL_MARKER}"

  ; Only what the installer put here. The database, backups and attachments live in the
  ; user's data folder (%LOCALAPPDATA%\ExpertDispatch) and stay for the next install.
  Delete "$INSTDIR\uninstall.exe"
  Delete "$INSTDIR\${PRODUCT_ICON}"
  RMDir /r "$INSTDIR\pkgs"
  [% for file, destination in ib.install_files %]
  Delete "[[pjoin(destination, file)]]"
  [% endfor %]
  [% for dir, destination in ib.install_dirs %]
  RMDir /r "[[pjoin(destination, dir)]]"
  [% endfor %]
  RMDir /r "$SMPROGRAMS\${PRODUCT_NAME}"
  Delete "$DESKTOP\${PRODUCT_NAME}.lnk"
  RMDir "$INSTDIR"
  DeleteRegKey SHCTX "${UNINSTALL_KEY}"
SectionEnd

Function .onInit
  ; MultiUser.nsh breaks /D; /INSTDIR=... sets the folder instead.
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} '$0' "/INSTDIR=" $1
  IfErrors +2
    StrCpy $cmdLineInstallDir $1
  ClearErrors

  !insertmacro MULTIUSER_INIT

  StrCmp $cmdLineInstallDir "" +2
    StrCpy $INSTDIR $cmdLineInstallDir
FunctionEnd

Function LaunchApp
  Exec '"$INSTDIR\Python\pythonw.exe" "$INSTDIR\launch_gui.pyw"'
FunctionEnd

Function un.onInit
  !insertmacro MULTIUSER_UNINIT
FunctionEnd

Function correct_prog_files
  ; MultiUser.nsh does not know the 64-bit Program Files folder.
  StrCmp $MultiUser.InstallMode AllUsers 0 +2
    StrCpy $INSTDIR "$PROGRAMFILES64\${MULTIUSER_INSTALLMODE_INSTDIR}"
FunctionEnd
