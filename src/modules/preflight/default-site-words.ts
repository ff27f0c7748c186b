/**
 * The word list a new site starts with (editable in the admin): names and terms from the demo's history of
 * Russia and Japan in north-east Asia that the English dictionary does not know. Possessives ("Zhukov's") and
 * any capitalisation are accepted from these; hyphenated names are listed whole.
 */
export const DEFAULT_SITE_WORDS: readonly string[] = `
  # Places
  Bain-Tsagan Bessarabia Bezymyannaya Borodino Borzya Brody Bryansk Buir Bukovina Bé Changkufeng Chita Circum-Baikal
  Dogger Dubno Fui Guandong Hailar Huanggutun Kaluga Khalkhin-Gol Khasan Khingan Königsberg Kuriles Kursk Liaodong
  Libau Manchukuo Manchukuoan Mozhaisk Mukden Nomonhan Nossi Nur Ōtsu Petersburg Ranh Shachaofeng Shumshu Strelkovka
  Tamsag-Bulak Transbaikal Transbaikalia Tsushima Tumen Tyne Ulaanbaatar Ussuri Vyazma Yelnya Yokosuka Zaozernaya
  # People
  Akira Aleksandr Alekseenko Azuma Blyukher Daisaku Dmitry Eiichi Feklenko Genrikh Georgy Giichi Grigory Haruki
  Hasegawa Hattori Heihachirō Hiranuma Honjō Inukai Ioki Ishiwara Itagaki Kamezō Kenkichi Khilkov Kirill Kliment
  Kobayashi Kōichi Komatsubara Kōmoto Konev Litvinov Lytton Lyushkov Maksim Malinovsky Mamoru Masanobu Masaomi
  Matsuoka Meretskov Michitarō Murakami Mutō Nebogatov Ogata Ogisu Otozō Potapov Purkayev Puyi Rodion Rozhestvensky
  Ryūhei Sadako Seishirō Shigemitsu Shigenori Shigeru Shtern Smushkevich Sorge Suetaka Takushirō Tanaka Tōgō Tsuji
  Tsuyoshi Ueda Vasilevsky Vasily Voroshilov Witte Xueliang Yakov Yamada Yaozō Yasuoka Yōsuke Zhang Zhukov Zinovy
  Zuolin
  # Historians, publishers and ships cited
  Almaz Belknap Braithwaite Cass Cassell Connaughton Coox Corbett Drea Glantz Greenhill Haslam Imperator Knyaz
  Krivosheev Markova Mikasa Oslyabya Peattie Pleshakov Rodric Slavinsky Suvorov Tupper Whitworth Wolmar
  # Terms
  accompli attaché engined fait gekokujō icebreaking Komandarm Komkor Kwantung lakeshore outranged Qing railhead
  redeployments Stavka tsar tsarevich
`
  .split('\n')
  .filter((line) => !line.trim().startsWith('#'))
  .flatMap((line) => line.split(/\s+/))
  .filter(Boolean);
